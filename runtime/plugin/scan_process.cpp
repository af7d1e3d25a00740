#include "plugin/scan_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/libexec.h"

namespace trainkit {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxCaptured = 64u << 10;  // per pipe; the rest is read and dropped
constexpr size_t kSummaryLength = 240;

// Owns a descriptor; -1 is none.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// One pipe end the child writes, read into `text` (up to kMaxCaptured) until end of file.
struct Capture {
  explicit Capture(int read_end) : fd(read_end) {}

  Fd fd;
  std::string text;
  bool open = true;

  enum class Read { kData, kNothing, kClosed };
  Read read_some() {
    char buf[4096];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return Read::kNothing;
    if (n <= 0) {
      open = false;
      return Read::kClosed;
    }
    const size_t room = kMaxCaptured > text.size() ? kMaxCaptured - text.size() : 0;
    text.append(buf, std::min(room, static_cast<size_t>(n)));
    return Read::kData;
  }
  // After the child ended: what is left, without waiting for writers it may have left behind.
  void drain() {
    if (!open) return;
    ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
    for (size_t budget = 0; budget < 2 * kMaxCaptured / 4096 && read_some() == Read::kData; ++budget) {
    }
  }
};

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  const char* description = ::strsignal(sig);
  return str_cat(abbrev ? str_cat("SIG", abbrev) : str_cat("signal ", sig), description ? str_cat(": ", description) : "");
}

// Signals that come from outside (a user, the OOM killer, this process's time limit), not from the file.
bool sent_from_outside(int sig) { return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP; }

ScanOutcome refused(std::string reason, bool cacheable) { return {ScanVerdict{false, std::move(reason)}, cacheable}; }

// The verdict the scanner wrote on fd 3: "passed\n" or "refused\n<reason>".
std::optional<ScanVerdict> parse_verdict(const std::string& text) {
  if (text == "passed\n") return ScanVerdict{true, ""};
  const std::string refused_head = "refused\n";
  if (text.compare(0, refused_head.size(), refused_head) == 0 && text.size() > refused_head.size())
    return ScanVerdict{false, text.substr(refused_head.size())};
  return std::nullopt;
}

// Whether the child has ended, without reaping it: its pid stays reserved, so killing its group after
// this cannot reach a process that reused the number.
bool has_ended(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string printed_summary(const std::string& output) {
  std::string lines;
  size_t taken = 0;
  for (size_t begin = 0; begin < output.size() && taken < 2;) {
    size_t end = output.find('\n', begin);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(begin, end - begin);
    begin = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines += (taken++ ? " / " : "") + line;
  }
  if (lines.empty()) return "";
  for (char& c : lines)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (lines.size() > kSummaryLength) lines = lines.substr(0, kSummaryLength) + "...";
  return "; it printed: " + lines;
}

ScanOutcome run_scanner(const std::string& scanner, const std::string& file, double timeout_seconds) {
  int output_pipe[2], verdict_pipe[2];
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) return refused(str_cat("cannot scan it: pipe: ", std::strerror(errno)), false);
  Capture output(output_pipe[0]);
  Fd output_child(output_pipe[1]);
  if (::pipe2(verdict_pipe, O_CLOEXEC) != 0) return refused(str_cat("cannot scan it: pipe: ", std::strerror(errno)), false);
  Capture verdict(verdict_pipe[0]);
  Fd verdict_child(verdict_pipe[1]);

  pid_t pid = -1;
  const HelperLaunch launch{{{output_child.get(), 1}, {output_child.get(), 2}, {verdict_child.get(), 3}}, /*isolated=*/true};
  const int error = spawn_helper(scanner, {"--", file}, launch, &pid);
  if (error != 0) return refused(str_cat("cannot start the plugin scanner ", scanner, ": ", std::strerror(error)), false);
  output_child.reset();  // the child holds the write ends now: end of file means it closed them
  verdict_child.reset();

  // pidfd: the child's end wakes poll like its pipes do. Without it (a kernel before 5.3), poll ticks.
  // The raw system call: glibc 2.36's <sys/pidfd.h> lacks C++ linkage for pidfd_open.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
  bool timed_out = false;
  while (!has_ended(pid)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    std::vector<pollfd> fds;
    std::vector<Capture*> owners;
    for (Capture* c : {&output, &verdict}) {
      if (!c->open) continue;
      fds.push_back({c->fd.get(), POLLIN, 0});
      owners.push_back(c);
    }
    if (pidfd.get() >= 0) fds.push_back({pidfd.get(), POLLIN, 0});
    const int wait_ms = static_cast<int>(pidfd.get() >= 0 ? std::min<long long>(left, 1 << 30) : std::min<long long>(left, 10));
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) break;
    for (size_t i = 0; i < owners.size(); ++i)
      if (fds[i].revents != 0) owners[i]->read_some();
  }
  ::kill(-pid, SIGKILL);  // the scanner on time-out; whatever a plugin started in its group in any case
  const int status = reap(pid);
  output.drain();
  verdict.drain();

  if (timed_out)
    return refused(str_cat("did not finish loading within ", timeout_seconds,
                           " s in the plugin scanner (stuck in its constructors or init?), so it was stopped; "
                           "TRAINKIT_PLUGIN_SCAN_TIMEOUT sets the limit in seconds",
                           printed_summary(output.text)),
                   false);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return refused(str_cat("crashed the plugin scanner (", signal_text(sig), ")", printed_summary(output.text)),
                   !sent_from_outside(sig));
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0)
    return refused(str_cat("the plugin scanner exited with code ", code, " while loading it", printed_summary(output.text)),
                   true);
  if (std::optional<ScanVerdict> v = parse_verdict(verdict.text)) return {*v, true};
  return refused(str_cat("the plugin scanner ended without a verdict (did a constructor or deinit call exit?)",
                         printed_summary(output.text)),
                 true);
}

}  // namespace trainkit
