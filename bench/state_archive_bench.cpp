// state_archive_bench [SIZE_MIB=1024] [DIR=<build>/bench-tmp] [REPEATS=3]
//
// What a snapshot of SIZE_MIB of float32 tensors (16 MiB each, or one smaller) costs, against what the same
// bytes cost without trainkit, both measured in this run on the same disk (median of REPEATS):
//   (a) raw write + fsync          vs (b) the synchronous snapshot: ArchiveSaver over a visit, commit;
//                                     and the "torch" format's streaming writer (torchfile::write_torch_file)
//   (c) raw read into memory       vs read_archive (verify + load), cold page cache and warm
//   (d) memcpy into fresh / warm buffers  vs StagingSaver capture into the run's staging pool: the training
//       stall of the background writers
// Cold reads: the file is fsynced, then dropped from the page cache with posix_fadvise(DONTNEED).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "state/archive.h"
#include "state/memory_tree.h"
#include "state/staged_tree.h"
#include "torchfile/torch_writer.h"

namespace {

using trainkit::state::MemoryTree;
using trainkit::state::TensorLeaf;

constexpr size_t kTensorBytes = 16 << 20;
int g_repeats = 3;

double seconds_of(const std::function<void()>& body) {
  auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median of the repeats of each body. The bodies take turns within each repeat, and the one that goes
// first rotates, so a noisy neighbour or leftover disk work slows baseline and trainkit alike; `before`
// runs untimed ahead of every run.
std::vector<double> medians(const std::vector<std::function<void()>>& bodies,
                            const std::function<void()>& before = [] {}) {
  std::vector<std::vector<double>> times(bodies.size());
  for (int r = 0; r < g_repeats; ++r)
    for (size_t k = 0; k < bodies.size(); ++k) {
      size_t b = (k + static_cast<size_t>(r)) % bodies.size();
      before();
      times[b].push_back(seconds_of(bodies[b]));
    }
  std::vector<double> out;
  for (auto& t : times) {
    std::sort(t.begin(), t.end());
    out.push_back(t[t.size() / 2]);
  }
  return out;
}

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::perror(what.c_str());
    std::exit(1);
  }
}

void drop_from_page_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  check(fd >= 0, "open " + path);
  ::fdatasync(fd);  // DONTNEED only evicts clean pages
  check(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "posix_fadvise");
  ::close(fd);
}

MemoryTree make_tree(size_t total_mib) {
  MemoryTree tree;
  const size_t tensor_bytes = std::min(kTensorBytes, total_mib << 20);
  size_t count = (total_mib << 20) / tensor_bytes;
  for (size_t i = 0; i < count; ++i) {
    TensorLeaf t;
    t.dtype = DLDataType{kDLFloat, 32, 1};
    t.shape = {static_cast<int64_t>(tensor_bytes / 4096), 1024};
    std::vector<float> values(tensor_bytes / sizeof(float));
    for (size_t k = 0; k < values.size(); ++k) values[k] = static_cast<float>(i) + 1e-3f * static_cast<float>(k % 9973);
    t.data.resize(tensor_bytes);
    std::memcpy(t.data.data(), values.data(), tensor_bytes);
    char name[64];
    std::snprintf(name, sizeof name, "model/main/layer%03zu.weight", i);
    tree.leaves[name] = std::move(t);
  }
  tree.leaves["trainer/iteration"] = int64_t{1000};
  tree.leaves["trainer/elapsed_time"] = 123.5;
  return tree;
}

void raw_write(const MemoryTree& tree, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  check(fd >= 0, "open " + path);
  for (const auto& [key, leaf] : tree.leaves) {
    if (const auto* t = std::get_if<TensorLeaf>(&leaf)) {
      for (size_t done = 0; done < t->data.size();) {  // 1 MiB calls, as the archive writer makes them
        ssize_t n = ::write(fd, t->data.data() + done, std::min<size_t>(t->data.size() - done, 1 << 20));
        check(n > 0, "write");
        done += static_cast<size_t>(n);
      }
    }
  }
  check(::fsync(fd) == 0, "fsync");
  ::close(fd);
}

size_t raw_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  check(fd >= 0, "open " + path);
  struct stat st {};
  ::fstat(fd, &st);
  size_t size = static_cast<size_t>(st.st_size);
  std::unique_ptr<char[]> buffer(new char[size]);
  for (size_t done = 0; done < size;) {
    ssize_t n = ::read(fd, buffer.get() + done, std::min<size_t>(size - done, kTensorBytes));
    check(n > 0, "read");
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return size;
}

std::string fs_name(const std::string& dir) {
  struct statfs s {};
  if (::statfs(dir.c_str(), &s) != 0) return "?";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext2/3/4";
    case 0x01021994: return "tmpfs (numbers are memory, not disk!)";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "fs 0x%lx", static_cast<unsigned long>(s.f_type));
      return hex;
    }
  }
}

// `target`: "" for a row measured for information; else the target for the ratio, which is a
// throughput ratio (baseline time / trainkit time) for writes and reads, a time ratio for the stall.
void row(const char* what, const char* base_name, double base_s, const char* ours_name, double ours_s, double mb,
         bool throughput, const char* target = "") {
  std::printf("%-22s %-26s %7.3f s %8.0f MB/s | %-24s %7.3f s %8.0f MB/s | %5.2f %-10s %s\n", what, base_name, base_s,
              mb / base_s, ours_name, ours_s, mb / ours_s, throughput ? base_s / ours_s : ours_s / base_s,
              throughput ? "throughput" : "time", target);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  std::string dir = argc > 2 && argv[2][0] != '\0' ? argv[2] : TK_BENCH_DEFAULT_DIR;
  g_repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  if (mib == 0 || g_repeats < 1) {
    std::fprintf(stderr, "usage: %s [SIZE_MIB=1024] [DIR] [REPEATS=3]\n", argv[0]);
    return 2;
  }
  ::mkdir(dir.c_str(), 0755);
  const std::string raw_path = dir + "/raw.bin";
  const std::string archive_path = dir + "/snapshot_iter_1000";

  MemoryTree tree = make_tree(mib);
  size_t payload = 0;
  for (const auto& [key, leaf] : tree.leaves)
    if (const auto* t = std::get_if<TensorLeaf>(&leaf)) payload += t->data.size();
  const double mb = static_cast<double>(payload) / 1e6;

  auto remove_files = [&] {
    ::unlink(raw_path.c_str());
    ::unlink(archive_path.c_str());
    // Neither write's fsync should pay for freeing the previous file: flush that work, let the disk settle.
    ::sync();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  };
  auto write = medians({[&] { raw_write(tree, raw_path); },
                        [&] {
                          trainkit::state::ArchiveWriter writer(archive_path);
                          trainkit::state::ArchiveSaver saver(writer);
                          trainkit::state::replay(tree, saver);
                          writer.commit();
                        },
                        [&] { trainkit::torchfile::write_torch_file(tree, archive_path); }},
                       remove_files);
  double raw_write_s = write[0], archive_write_s = write[1], torch_write_s = write[2];
  {  // (c) reads a committed archive
    trainkit::state::ArchiveWriter writer(archive_path);
    trainkit::state::ArchiveSaver saver(writer);
    trainkit::state::replay(tree, saver);
    writer.commit();
  }
  std::vector<std::function<void()>> reads = {[&] { raw_read(archive_path); },
                                              [&] { trainkit::state::read_archive(archive_path); },
                                              [&] { trainkit::state::verify_archive(archive_path); }};
  auto cold = medians(reads, [&] { drop_from_page_cache(archive_path); });
  auto warm = medians(reads, [&] { raw_read(archive_path); });

  // (d) The capture a background writer does before training resumes: copy every tensor out. Into fresh
  // memory (what trainkit did before staging areas), and into the run's staging pool, which reuses the area
  // the previous snapshot gave back (its recycling runs on the writer's thread, so it is not timed here).
  std::vector<std::unique_ptr<char[]>> copies;
  auto pool = trainkit::state::StagingPool::create();
  trainkit::state::StagedTree staged;
  auto capture = medians({[&] {
                            for (const auto& [key, leaf] : tree.leaves)
                              if (const auto* t = std::get_if<TensorLeaf>(&leaf)) {
                                copies.emplace_back(new char[t->data.size()]);
                                std::memcpy(copies.back().get(), t->data.data(), t->data.size());
                              }
                          },
                          [&] {
                            staged.memory = pool->lease();
                            trainkit::state::StagingSaver saver(staged);
                            trainkit::state::replay(tree, saver);
                          }},
                         [&] {
                           copies.clear();
                           staged = {};
                         });
  for (const auto& [key, leaf] : tree.leaves)  // memory written before: pages already faulted in
    if (const auto* t = std::get_if<TensorLeaf>(&leaf)) copies.emplace_back(new char[t->data.size()]);
  auto reused = medians({[&] {
    size_t i = 0;
    for (const auto& [key, leaf] : tree.leaves)
      if (const auto* t = std::get_if<TensorLeaf>(&leaf)) std::memcpy(copies[i++].get(), t->data.data(), t->data.size());
  }});
  copies.clear();

  struct stat st {};
  ::stat(archive_path.c_str(), &st);
  const size_t tensors = tree.leaves.size() - 2;  // all but trainer/iteration and trainer/elapsed_time
  std::printf("state_archive_bench: %zu MiB in %zu float32 tensors of %zu MiB; folder %s (%s); archive %lld bytes; "
              "median of %d\n",
              payload >> 20, tensors, (payload / tensors) >> 20, dir.c_str(), fs_name(dir).c_str(),
              static_cast<long long>(st.st_size), g_repeats);
  std::printf("%-22s %-26s %7s   %8s      | %-24s %7s   %8s      | %5s\n", "", "baseline", "time", "rate",
              "trainkit", "time", "rate", "ratio");
  row("write + fsync", "(a) raw write+fsync", raw_write_s, "(b) ArchiveSaver+commit", archive_write_s, mb, true,
      "target >= 0.8");
  row("write + fsync", "(a) raw write+fsync", raw_write_s, "(b) torch format writer", torch_write_s, mb, true);
  row("read, cold cache", "(c) raw read", cold[0], "read_archive", cold[1], mb, true, "target >= 0.8");
  row("verify, cold cache", "(c) raw read", cold[0], "verify_archive", cold[2], mb, true);
  row("read, warm cache", "(c) raw read", warm[0], "read_archive", warm[1], mb, true);
  row("verify, warm cache", "(c) raw read", warm[0], "verify_archive", warm[2], mb, true);
  row("capture (stall)", "(d) memcpy, fresh buffers", capture[0], "StagingSaver, reused", capture[1], mb, false);
  row("capture (stall)", "(d) memcpy, warm buffers", reused[0], "StagingSaver, reused", capture[1], mb, false,
      "target <= 1.5");
  std::printf("throughput ratio = baseline time / trainkit time; time ratio = trainkit time / baseline time; writes "
              "include trainkit's rename and folder fsync; cold = posix_fadvise(DONTNEED) after fdatasync before "
              "each run; raw read = read(2) of the archive file into a fresh buffer\n");
  remove_files();
  return 0;
}
