#include "snapshot_writer/writer_process.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.h"
#include "core/libexec.h"
#include "snapshot_writer/channel.h"
#include "snapshot_writer/request.h"

namespace trainkit::snapshot_writer {
namespace {

constexpr int kChannelFd = 3;  // main.cpp reads requests from this descriptor

}  // namespace

WriterProcess::WriterProcess(const std::string& executable) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
    throw TrainingError(str_cat("cannot start the snapshot writer: socketpair: ", std::strerror(errno)));
  const int err = spawn_helper(executable, {}, {{{ends[1], kChannelFd}}, /*isolated=*/false}, &pid_);
  ::close(ends[1]);
  if (err != 0) {
    ::close(ends[0]);
    pid_ = -1;
    throw TrainingError(str_cat("cannot start the snapshot writer ", executable, ": ", std::strerror(err)));
  }
  socket_ = ends[0];
}

WriterProcess::~WriterProcess() { stop(); }

void WriterProcess::send(const state::StagedTree& tree, const std::string& format, const std::string& path) {
  if (!gone_.empty()) throw TrainingError(gone_);
  std::string request = encode_request(tree, format, path);
  try {
    send_message(socket_, request, tree.memory.area().fd());
  } catch (const std::system_error&) {
    throw TrainingError(ended(str_cat("handing it ", path)));
  }
}

std::string WriterProcess::result() {
  if (!gone_.empty()) return gone_;
  std::string answer;
  try {
    if (receive_message(socket_, answer)) return decode_answer(answer);
  } catch (const std::system_error&) {
  }
  return ended("writing");
}

std::string WriterProcess::ended(const std::string& doing) {
  if (!gone_.empty()) return gone_;
  ::close(socket_);
  socket_ = -1;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  const std::string who = str_cat("the snapshot writer process ", pid_);
  if (r < 0) gone_ = str_cat(who, " ended while ", doing, " (cannot wait for it: ", std::strerror(errno), ")");
  else if (WIFSIGNALED(status))
    gone_ = str_cat(who, " was killed by signal ", WTERMSIG(status), " (", ::strsignal(WTERMSIG(status)), ") while ", doing);
  else
    gone_ = str_cat(who, " exited with status ", WEXITSTATUS(status), " while ", doing);
  pid_ = -1;
  return gone_;
}

void WriterProcess::stop() noexcept {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  if (gone_.empty()) gone_ = "the snapshot writer process was stopped";
}

}  // namespace trainkit::snapshot_writer
