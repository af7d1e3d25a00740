// trainkit core: reading only what is a regular file. A FIFO blocks whoever opens it for reading until a
// writer comes, and /dev/zero never ends: a path the user names (a manifest, a snapshot, a checkpoint) is
// checked before anything opens it, and the manifest is read with a size bound.
//
//   std::string why = not_a_regular_file(path);   // "" for a regular file (a symlink to one is fine)
//   if (!why.empty()) throw ResumeError(str_cat("cannot resume from ", path, ": ", why));
//   std::string text = read_regular_file(path, 4 << 20, "manifest");   // ConfigError on any problem
#pragma once

#include <cstddef>
#include <string>

namespace trainkit {

// Why `path` is not a regular file ("no such file", "is a folder", "is a FIFO (named pipe), not a file",
// ...), or "" when it is one. Opens nothing, so it never blocks.
std::string not_a_regular_file(const std::string& path);

// The whole file, opened without blocking and checked on the open descriptor (a file swapped for a FIFO
// after a check is still refused). ConfigError "<path>: cannot read the <what>: <why>" when it is not a
// regular file, cannot be read, or holds more than max_bytes.
std::string read_regular_file(const std::string& path, size_t max_bytes, const std::string& what);

}  // namespace trainkit
