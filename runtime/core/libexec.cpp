#include "core/libexec.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

extern char** environ;

namespace trainkit {
namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  const std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.find_last_of('/'));
}

}  // namespace

std::string libexec_file(const std::string& name) {
  return executable_dir() + "/" + TRAINKIT_LIBEXEC_FROM_BIN + "/" + name;
}

int spawn_helper(const std::string& executable, const std::vector<std::string>& args, const HelperLaunch& how,
                 pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  int highest = 2;
  if (how.isolated) ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  for (const auto& [from, to] : how.descriptors) {
    ::posix_spawn_file_actions_adddup2(&actions, from, to);  // the copy is not close-on-exec
    highest = std::max(highest, to);
  }
  if (how.isolated) ::posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  if (how.isolated) {
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&attr, 0);
    ::posix_spawnattr_setsigdefault(&attr, &all);
  } else {
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  }
  std::vector<char*> argv = {const_cast<char*>(executable.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int err = ::posix_spawn(pid, executable.c_str(), &actions, &attr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return err;
}

}  // namespace trainkit
