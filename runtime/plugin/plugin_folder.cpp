#include "plugin/plugin_folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;

bool ends_with_so(const std::string& name) {
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
}

std::string link_target(const std::string& path) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(path, ec);
  return ec ? std::string("?") : target.string();
}

std::optional<std::string> kind_refusal(mode_t mode) {
  if (S_ISREG(mode)) return std::nullopt;
  if (S_ISDIR(mode)) return std::string("a directory, not a plugin file");
  if (S_ISFIFO(mode)) return std::string("a FIFO (named pipe), not a plugin file; never opened");
  if (S_ISCHR(mode)) return std::string("a character device, not a plugin file; never opened");
  if (S_ISBLK(mode)) return std::string("a block device, not a plugin file; never opened");
  if (S_ISSOCK(mode)) return std::string("a socket, not a plugin file");
  return std::string("not a regular file");
}

// lstat, then stat through a symlink: what the loader would be handed.
std::optional<std::string> judge(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return str_cat("cannot stat: ", std::strerror(errno));
  if (!S_ISLNK(st.st_mode)) return kind_refusal(st.st_mode);
  if (::stat(path.c_str(), &st) == 0) {
    if (auto refusal = kind_refusal(st.st_mode)) return str_cat("a symlink to ", *refusal);
    return std::nullopt;
  }
  if (errno == ELOOP) return std::string("a symlink loop (too many levels of symbolic links)");
  if (errno == ENOENT) return str_cat("a dangling symlink to ", link_target(path), " (no such file)");
  return str_cat("a symlink to ", link_target(path), " that cannot be followed: ", std::strerror(errno));
}

}  // namespace

std::vector<FolderEntry> list_plugin_folder(const std::string& dir, std::string* problem) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (ends_with_so(name)) names.push_back(std::move(name));
  }
  if (ec) *problem = str_cat("cannot read plugin directory: ", ec.message());
  std::sort(names.begin(), names.end());
  std::vector<FolderEntry> entries;
  for (const std::string& name : names) {
    const std::string path = (fs::path(dir) / name).string();
    entries.push_back({path, judge(path)});
  }
  return entries;
}

}  // namespace trainkit
