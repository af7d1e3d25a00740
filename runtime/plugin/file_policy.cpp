#include "plugin/file_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace trainkit {
namespace {

// One path (file or folder): owner and write bits.
std::optional<std::string> check_one(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return str_cat("cannot stat ", path, ": ", std::strerror(errno));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return str_cat(path, " is writable by group or others (chmod go-w)");
  }
  // The effective user is the one whose rights the plugin code would run with.
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return str_cat(path, " is owned by uid ", st.st_uid, ", not by you (uid ", ::geteuid(), ") or root");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_file_policy(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Resolved first: a symlink's own bits mean nothing, the file it names is what gets mapped.
  const fs::path real = fs::canonical(path, ec);
  if (ec) return str_cat("cannot resolve path: ", ec.message());
  if (auto reason = check_one(real.string())) return reason;
  return check_one(real.parent_path().string());
}

}  // namespace trainkit
