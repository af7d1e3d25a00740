// CapturedStdout and TerminalStdout: what a plugin prints, read back by the test.
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "plugin_host.h"

namespace tk_test {

CapturedStdout::CapturedStdout() {
  std::fflush(stdout);
  char name[] = "/tmp/tk_stdout_XXXXXX";
  file_fd_ = ::mkstemp(name);
  if (file_fd_ < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(name);
  saved_fd_ = ::dup(STDOUT_FILENO);
  ::dup2(file_fd_, STDOUT_FILENO);
}

CapturedStdout::~CapturedStdout() {
  std::fflush(stdout);
  ::dup2(saved_fd_, STDOUT_FILENO);
  ::close(saved_fd_);
  ::close(file_fd_);
}

std::string CapturedStdout::text() const {
  std::fflush(stdout);
  std::string out;
  char buf[4096];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(file_fd_, buf, sizeof buf, at);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return out;
}

TerminalStdout::TerminalStdout() {
  if (const char* t = std::getenv("TERM")) saved_term_ = t;
  ::setenv("TERM", "xterm", 1);
  master_fd_ = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master_fd_ < 0 || ::grantpt(master_fd_) != 0 || ::unlockpt(master_fd_) != 0)
    throw std::runtime_error("cannot open a pseudo terminal");
  int slave = ::open(::ptsname(master_fd_), O_RDWR | O_NOCTTY);
  if (slave < 0) throw std::runtime_error("cannot open the pseudo terminal's slave");
  termios raw{};
  ::tcgetattr(slave, &raw);
  ::cfmakeraw(&raw);  // no "\n" -> "\r\n": the test sees the bytes the plugin wrote
  ::tcsetattr(slave, TCSANOW, &raw);
  ::fcntl(master_fd_, F_SETFL, O_NONBLOCK);
  std::fflush(stdout);
  saved_fd_ = ::dup(STDOUT_FILENO);
  ::dup2(slave, STDOUT_FILENO);
  ::close(slave);
}

TerminalStdout::~TerminalStdout() {
  std::fflush(stdout);
  ::dup2(saved_fd_, STDOUT_FILENO);
  ::close(saved_fd_);
  ::close(master_fd_);
  if (saved_term_) ::setenv("TERM", saved_term_->c_str(), 1);
  else ::unsetenv("TERM");
}

std::string TerminalStdout::text() {
  std::fflush(stdout);
  std::string out;
  char buf[4096];
  // The tty layer hands bytes to the master side asynchronously: wait briefly for each chunk.
  for (pollfd p{master_fd_, POLLIN, 0}; ::poll(&p, 1, 200) > 0;) {
    ssize_t n = ::read(master_fd_, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace tk_test
