#include "core/libexec.h"

#include <unistd.h>

#include <climits>

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

}  // namespace trainkit
