#include "trainer/out_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "core/error.h"

namespace trainkit {

// Like the shell's mkdir -p, new folders get 0777 minus the umask (0755 under the usual 022), not a fixed
// mode: a user who set a stricter umask (077 on a shared machine) expects the run's folders to honour it.
void make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConfigError(str_cat("cannot create output folder ", dir, ": ", ec.message()));
}

OutDirLock::OutDirLock(const std::string& dir) {
  make_directories(dir);
  const std::string path = dir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  TK_CHECK(fd_ >= 0, ConfigError, "cannot open ", path, ": ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw ConfigError(str_cat("output folder ", dir, " is in use by another trainkit run (", path,
                              " is locked); use another trainer.out or --out"));
  }
  // The pid is informational only; the lock itself is the flock.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::write(fd_, pid.data(), pid.size()) < 0) {
  }
}

OutDirLock::~OutDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace trainkit
