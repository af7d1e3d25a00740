#include "trainer/out_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "core/error.h"
#include "state/atomic_replace.h"

namespace trainkit {

// Like the shell's mkdir -p, new folders get 0777 minus the umask (0755 under the usual 022), not a fixed
// mode: a user who set a stricter umask (077 on a shared machine) expects the run's folders to honour it.
void make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConfigError(str_cat("cannot create output folder ", dir, ": ", ec.message()));
}

OutDirLock::OutDirLock(const std::string& dir) : dir_(dir) {
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

namespace {

// The pid a host temp name carries (".tmp.<name>.<pid>.<hex>"), or 0 for the SDK's form, which has none.
pid_t writer_pid(const std::string& name) {
  const size_t last = name.rfind('.');
  const size_t before = name.rfind('.', last - 1);
  const std::string digits = name.substr(before + 1, last - before - 1);
  if (name.size() - last - 1 != 16 || digits.empty() || digits.size() > 9) return 0;
  return static_cast<pid_t>(std::stol(digits));
}

bool alive_other_process(pid_t pid) {
  if (pid <= 0 || pid == ::getpid()) return false;  // our own pid: an earlier process that had it, since
                                                     // this run has written nothing yet
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

std::vector<std::string> remove_orphan_temp_files(const OutDirLock& lock) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  std::error_code ec;
  // Symlinked folders are not followed: only what the folder itself holds is ours to clean.
  for (fs::recursive_directory_iterator it(lock.dir(), fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!state::is_temp_file_name(name)) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec) || it->is_symlink(type_ec) || alive_other_process(writer_pid(name))) continue;
    if (::unlink(it->path().c_str()) == 0) removed.push_back(fs::relative(it->path(), lock.dir(), type_ec).string());
  }
  return removed;
}

}  // namespace trainkit
