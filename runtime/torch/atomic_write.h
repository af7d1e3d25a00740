// trainkit torch: write a file so that a crash or power loss leaves the old file or the new one, never
// a part of either. Torch-free, so a forked snapshot child that only writes bytes can use it.
//
//   std::vector<char> bytes = encode_torch(tree);            // in the parent, with LibTorch
//   write_bytes_atomically("/out/snapshot_iter_100", bytes);  // anywhere, also in a forked child
//
// Note [Atomic file replacement]
// The bytes go to a hidden temp file ".tmp.<name>.<pid>.<random>" in the target's folder (the same file
// system, so rename is atomic; hidden, so autoload and retention never pick it; pid and random, so two
// writers never share one), created O_EXCL with mode 0644 (less the umask). Then fsync(file), rename over
// the target, fsync(folder) so the rename itself is durable. On failure the temp file is removed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace trainkit {

// What went wrong in write_file_atomically_raw: the failing step, its errno and the path it concerned.
struct AtomicWriteFailure {
  const char* step = "";  // "create", "write", "fsync", "close", "rename", "open folder", "fsync folder"
  int error = 0;          // errno
  char path[4096] = {};   // the file or folder the step failed on (truncated to fit)
};

// The core of write_bytes_atomically, for a forked child of a multi-threaded parent: calls only
// async-signal-safe functions (open, write, fsync, rename, unlink, close, getpid, clock_gettime, memcpy,
// strlen), allocates nothing and throws nothing. Returns false and fills *failure on error.
bool write_file_atomically_raw(const char* path, const void* data, size_t size, AtomicWriteFailure* failure) noexcept;

// Note [Atomic file replacement]. Throws TrainingError "cannot <step> '<path>': <strerror>" on failure.
void write_bytes_atomically(const std::string& path, const void* data, size_t size);
inline void write_bytes_atomically(const std::string& path, const std::vector<char>& bytes) {
  write_bytes_atomically(path, bytes.data(), bytes.size());
}

}  // namespace trainkit
