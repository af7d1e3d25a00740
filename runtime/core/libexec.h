// trainkit core: the helper executables trainkit starts itself (never on PATH: users do not run them),
// found in <libexec>/trainkit/ relative to the running binary, in the build tree as after install.
//
//   std::string scanner = libexec_file("trainkit-plugin-scanner");   // e.g. /usr/libexec/trainkit/...
#pragma once

#include <string>

namespace trainkit {

// The path `name` has in trainkit's libexec folder, seen from this process's executable (/proc/self/exe).
// Only builds the path: whether the file is there is the caller's question.
std::string libexec_file(const std::string& name);

}  // namespace trainkit
