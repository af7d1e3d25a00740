// trainkit core: the helper executables trainkit starts itself (never on PATH: users do not run them),
// found in <libexec>/trainkit/ relative to the running binary, in the build tree as after install, and
// started with posix_spawn (never fork: a fork copies the page tables of the whole trainer).
//
//   std::string scanner = libexec_file("trainkit-plugin-scanner");   // e.g. /usr/libexec/trainkit/...
//   pid_t pid = -1;
//   int err = spawn_helper(scanner, {"--", plugin}, {{{out_fd, 1}, {out_fd, 2}, {verdict_fd, 3}}, true}, &pid);
//   if (err != 0) ...;                                                 // std::strerror(err): ENOENT if missing
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace trainkit {

// The path `name` has in trainkit's libexec folder, seen from this process's executable (/proc/self/exe).
// Only builds the path: whether the file is there is the caller's question.
std::string libexec_file(const std::string& name);

// How spawn_helper starts a helper.
struct HelperLaunch {
  std::vector<std::pair<int, int>> descriptors;  // {trainkit's descriptor, its number in the helper}, in order
  // For a helper that runs code trainkit does not trust (the plugin scanner loads a plugin): stdin from
  // /dev/null, no descriptor but `descriptors`, default signal dispositions, and a process group of its own,
  // so that kill(-pid) also reaches whatever the helper started. Otherwise it inherits stdin, stdout, stderr
  // and the dispositions (a trusted helper sets its own).
  bool isolated = false;
};

// Starts `executable` with argv = {executable, args...}, trainkit's environment and an empty signal mask (the
// calling thread may block signals). Returns 0 and sets *pid, or the errno posix_spawn reported.
int spawn_helper(const std::string& executable, const std::vector<std::string>& args, const HelperLaunch& how,
                 pid_t* pid);

}  // namespace trainkit
