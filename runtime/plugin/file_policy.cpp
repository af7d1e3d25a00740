#include "plugin/file_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> stat_of(const fs::path& path, struct stat* st) {
  if (::stat(path.c_str(), st) != 0) return str_cat("cannot stat ", path.string(), ": ", std::strerror(errno));
  return std::nullopt;
}

// The file, and the folders from it up to the search folder: owner and write bits.
std::optional<std::string> check_strict(const fs::path& path) {
  struct stat st {};
  if (auto reason = stat_of(path, &st)) return reason;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return str_cat(path.string(), " is writable by group or others (chmod go-w)");
  }
  // The effective user is the one whose rights the plugin code would run with.
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return str_cat(path.string(), " is owned by uid ", st.st_uid, ", not by you (uid ", ::geteuid(), ") or root");
  }
  return std::nullopt;
}

// A folder above the search folder: only "anyone may swap what is inside" refuses.
std::optional<std::string> check_not_open_to_all(const fs::path& dir) {
  struct stat st {};
  if (auto reason = stat_of(dir, &st)) return reason;
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
    return str_cat(dir.string(), " is writable by anyone and has no sticky bit, so anyone could replace the "
                   "folders below it (chmod o-w)");
  return std::nullopt;
}

// Whether ancestor is path itself or one of its ancestors (both real, normalized paths).
bool is_ancestor_or_self(const fs::path& ancestor, const fs::path& path) {
  auto p = path.begin();
  for (auto a = ancestor.begin(); a != ancestor.end(); ++a, ++p) {
    if (p == path.end() || *p != *a) return false;
  }
  return true;
}

// From `from` up to "/": strict while still at or below `strict_top`, the o+w rule above it.
std::optional<std::string> check_folders(const fs::path& from, const fs::path& strict_top) {
  bool strict = true;
  for (fs::path dir = from;; dir = dir.parent_path()) {
    if (auto reason = strict ? check_strict(dir) : check_not_open_to_all(dir)) return reason;
    if (dir == strict_top) strict = false;
    if (dir == dir.parent_path()) return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> check_file_policy(const std::string& path, const std::string& root) {
  std::error_code ec;
  // Resolved first: a symlink's own bits mean nothing, the file it names is what gets mapped.
  const fs::path real = fs::canonical(path, ec);
  if (ec) return str_cat("cannot resolve path: ", ec.message());
  if (auto reason = check_strict(real)) return reason;
  const fs::path folder = real.parent_path();
  fs::path top = folder;
  if (!root.empty()) {
    top = fs::canonical(root, ec);
    if (ec) return str_cat("cannot resolve the plugin folder ", root, ": ", ec.message());
  }
  if (is_ancestor_or_self(top, folder)) return check_folders(folder, top);
  if (auto reason = check_folders(folder, folder)) return reason;
  return check_folders(top, top);
}

}  // namespace trainkit
