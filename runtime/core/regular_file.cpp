#include "core/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace trainkit {
namespace {

std::string kind_problem(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "is a folder, not a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a file";
  if (S_ISSOCK(mode)) return "is a socket, not a file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a file";
  return "is not a regular file";
}

std::string errno_problem(int error) {
  if (error == ENOENT) return "no such file";
  return std::strerror(error);
}

// Closes the descriptor on every path out of read_regular_file.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string not_a_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_problem(errno);
  return kind_problem(st.st_mode);
}

std::string read_regular_file(const std::string& path, size_t max_bytes, const std::string& what) {
  const std::string head = str_cat(path, ": cannot read the ", what, ": ");
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  TK_CHECK(file.fd >= 0, ConfigError, head, errno_problem(errno));
  struct stat st {};
  TK_CHECK(::fstat(file.fd, &st) == 0, ConfigError, head, std::strerror(errno));
  const std::string kind = kind_problem(st.st_mode);
  TK_CHECK(kind.empty(), ConfigError, head, "it ", kind);
  TK_CHECK(static_cast<size_t>(st.st_size) <= max_bytes, ConfigError, head, "it holds ", st.st_size,
           " bytes, more than the ", max_bytes, " a ", what, " may hold");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t used = 0;
  // Read until end of file: the size may change under us, and the bound holds whatever it becomes.
  for (;;) {
    if (used == text.size()) {
      TK_CHECK(text.size() < max_bytes + 1, ConfigError, head, "it holds more than the ", max_bytes, " bytes a ",
               what, " may hold");
      text.resize(std::min(max_bytes + 1, std::max<size_t>(4096, text.size() * 2)));
    }
    const ssize_t n = ::read(file.fd, &text[used], text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    TK_CHECK(n >= 0, ConfigError, head, std::strerror(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  TK_CHECK(used <= max_bytes, ConfigError, head, "it holds more than the ", max_bytes, " bytes a ", what,
           " may hold");
  text.resize(used);
  return text;
}

}  // namespace trainkit
