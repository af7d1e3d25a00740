// Support for the host's robustness tests: a manifest on the e2e slice of Fashion-MNIST, a run that is
// waited for with a deadline, and the blocker fixture (host_blocker.cpp).
#pragma once

#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "e2e_support.h"

namespace tk_test {

// The exit code of a started process, or -1 when it is still running after `seconds` (it is then killed,
// so a hang fails the test instead of the whole tier).
inline int wait_at_most(int pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits up to `seconds` for `path` to exist.
inline bool wait_for_file(const std::string& path, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!file_exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// An [[extension]] of the blocker fixture that blocks in `where` (create, initialize or call at
// `iteration`) on dir/fifo, after writing dir/blocking.
inline std::string blocker(const std::string& dir, const std::string& where, int iteration = 1) {
  return "[[extension]]\nuse = \"host_blocker\"\nblock_in = \"" + where + "\"\nat_iteration = " +
         std::to_string(iteration) + "\nfifo = \"" + dir + "/fifo\"\nmarker = \"" + dir + "/blocking\"\n";
}

inline std::string blocker_plugin_dirs() { return std::string("plugin_dirs = [\"") + TK_HOST_FIXTURE_DIR + "\"]\n"; }

}  // namespace tk_test
