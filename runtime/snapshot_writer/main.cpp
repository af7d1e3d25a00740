// trainkit-snapshot-writer: writes captured training states for trainkit's process snapshot writers, in a
// process of its own, from the trainer's staging memory shared with it (writer_process.h).
//
//   trainkit-snapshot-writer 3<>SOCKET   # started by trainkit, not by hand
//
// Each request on fd 3 comes with the staging memfd; the writer maps it read-only, writes the file with
// the host's own encoders (write_staged.h: atomic replace, fsync) and answers on fd 3. It ends when trainkit
// closes its end, so a write it began is always finished, even when trainkit died meanwhile.
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "snapshot_writer/channel.h"
#include "snapshot_writer/request.h"
#include "snapshot_writer/write_staged.h"

namespace {

using namespace trainkit::snapshot_writer;

constexpr int kChannelFd = 3;  // writer_process.cpp puts the socket here

// Writes one request; "" when the file is in place, else why not.
std::string write_one(const std::string& bytes, int staging_fd) {
  try {
    WriteRequest request = decode_request(bytes);
    if (staging_fd < 0) return "the snapshot write request came without its staging memory";
    struct stat st {};
    if (::fstat(staging_fd, &st) != 0) return "cannot read the staging memory's size";
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const void* base = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_SHARED, staging_fd, 0);
    if (base == MAP_FAILED) return "cannot map the staging memory";
    struct Unmap {
      const void* base;
      uint64_t size;
      ~Unmap() {
        if (base) ::munmap(const_cast<void*>(base), size);
      }
    } unmap{base, size};
    write_staged_tree(tree_at(request, static_cast<const uint8_t*>(base), size), request.format, request.path);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  struct stat st {};
  if (argc != 1 || ::fstat(kChannelFd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    std::fprintf(stderr, "usage: %s 3<>SOCKET (started by trainkit, not by hand)\n", argv[0]);
    return 2;
  }
  // A signal meant for the run (Ctrl-C reaches the whole process group) must not cut a write short.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  for (;;) {
    std::string bytes;
    int staging_fd = -1;
    try {
      if (!receive_message(kChannelFd, bytes, &staging_fd)) return 0;  // trainkit closed its end, or died
    } catch (const std::exception& e) {
      std::fprintf(stderr, "trainkit-snapshot-writer: %s\n", e.what());
      return 1;
    }
    const std::string error = write_one(bytes, staging_fd);
    if (staging_fd >= 0) ::close(staging_fd);
    try {
      send_message(kChannelFd, encode_answer(error));
    } catch (const std::exception&) {
      return 0;  // trainkit is gone; the file, if written, is in place
    }
  }
}
