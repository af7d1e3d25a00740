// trainkit SDK: write files in out/ so that a crash never leaves half of one behind.
//
//   tk::write_file_atomically(ctx.out_dir() + "/log", text);   // readers see the old or the new file
//   tk::append_to_file(ctx.out_dir() + "/log.jsonl", line);    // one durable append
//
// write_file_atomically writes a hidden temp file ".tmp.<name>.XXXXXX" next to the target (the same file
// system, so rename is atomic; hidden, so autoload and retention never pick it), fsyncs it, renames it over
// the target and fsyncs the folder so the rename itself survives a power loss. Chainer and ppe skip both
// fsyncs. POSIX only. Failures throw tk::Error(TK_ERR_IO) naming the path.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace tk {
namespace detail {

[[noreturn]] inline void throw_io(const char* what, const std::string& path, int err) {
  throw Error(TK_ERR_IO, what, " \"", path, "\": ", std::strerror(err));
}

inline void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_io("cannot write", path, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

inline void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_io("cannot open folder", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Note [Folder fsync errors] (runtime/state/atomic_replace.h in the trainkit sources), the host's rule:
  // only EINVAL and ENOTSUP (a file system that cannot sync folders) are tolerated; EIO and the rest fail.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) throw_io("cannot sync folder", dir, err);
}

}  // namespace detail

// Replaces path's contents all at once (see the banner). The folder must exist.
inline void write_file_atomically(const std::string& path, std::string_view contents) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmpl = dir + "/.tmp." + base + ".XXXXXX";
  std::vector<char> tmp(tmpl.begin(), tmpl.end());
  tmp.push_back('\0');
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) detail::throw_io("cannot create a temp file for", path, errno);
  std::string tmp_path(tmp.data());
  try {
    // mkstemp creates 0600; a log is meant to be read by others like any file the user writes.
    if (::fchmod(fd, 0644) != 0) detail::throw_io("cannot chmod", tmp_path, errno);
    detail::write_all(fd, contents, tmp_path);
    if (::fsync(fd) != 0) detail::throw_io("cannot sync", tmp_path, errno);
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) detail::throw_io("cannot close", tmp_path, errno);
    if (::rename(tmp_path.c_str(), path.c_str()) != 0) detail::throw_io("cannot rename a temp file to", path, errno);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  detail::fsync_dir(dir);
}

// Appends contents to path (created if missing) and fsyncs it. A crash can leave a partial last append.
inline void append_to_file(const std::string& path, std::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) detail::throw_io("cannot open", path, errno);
  try {
    detail::write_all(fd, contents, path);
    if (::fsync(fd) != 0) detail::throw_io("cannot sync", path, errno);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) detail::throw_io("cannot close", path, errno);
}

}  // namespace tk
