// trainkit state: replace a file so that a crash or a power loss leaves the old file or the new one, never
// a part of either. The host's one implementation (Note [Atomic file replacement]); plugins, which cannot
// link the host, have sdk/atomic_file.hpp, which follows the same rules.
//
//   state::replace_file("/out/snapshot_iter_100", bytes.data(), bytes.size());  // throws TrainingError
//
//   state::AtomicReplacement file;                   // streaming, and safe in a forked child: no
//   state::ReplaceFailure failure;                   // exceptions, no allocation
//   if (!file.begin("/out/snapshot_iter_100", &failure)) ...;
//   ::write(file.fd(), data, size);                  // the caller writes the temp file
//   if (!file.commit(&failure)) ...;                 // fsync, rename over the target, fsync the folder
//                                                    // (a destructor before commit removes the temp file)
//
// Note [Atomic file replacement]
// The bytes go to a hidden temp file ".tmp.<name>.<pid>.<16 hex digits>" in the target's folder (the same
// file system, so rename is atomic; hidden, so autoload and retention never pick it, see docs/outputs.md;
// pid and random bits, so two writers never share one), created O_EXCL with mode 0644 (less the umask).
// Then fsync(file), rename over the target, fsync(folder) so the rename itself is durable (Note [Folder
// fsync errors]). On a failure before the rename the temp file is removed and the old target is untouched.
//
// Note [Written files leave the page cache]
// Once fsynced, the file's pages are clean, and commit() drops them from the page cache (POSIX_FADV_DONTNEED):
// a snapshot is read again only to resume, and the next snapshot's write then takes the pages this one gave
// back instead of fresh ones, and evicts none of the training data. On the virtual machine of
// docs/performance.md, writing into fresh page-cache pages was half of a snapshot's write time.
//
// Note [Folder fsync errors]
// fsync on a folder is what makes a rename survive a power loss. Some file systems cannot sync a folder at
// all (several FUSE and network file systems) and answer EINVAL or ENOTSUP; the rename is still atomic
// there and nothing more can be done, so exactly those two errnos are tolerated. Any other errno (EIO
// above all) means the new folder entry may never reach the disk, and the write fails, although the new
// file is already in place. The SDK's tk::write_file_atomically applies the same rule.
#pragma once

#include <cstddef>
#include <string>

namespace trainkit::state {

constexpr size_t kMaxReplacePathBytes = 4096;  // PATH_MAX on Linux

// What went wrong: the failing step, its errno and the file or folder it concerned.
struct ReplaceFailure {
  const char* step = "";  // "create", "write", "fsync", "close", "rename", "open folder", "fsync folder"
  int error = 0;          // errno
  char path[kMaxReplacePathBytes] = {};  // truncated to fit
};

// True for a file name (no folder) that only an interrupted atomic write makes: the host's
// ".tmp.<name>.<pid>.<16 hex digits>" (Note [Atomic file replacement]) or the SDK's ".tmp.<name>.XXXXXX"
// (sdk/atomic_file.hpp, mkostemp's six letters and digits). A run removes these from its output folder.
bool is_temp_file_name(const std::string& name);

// "cannot <step> '<path>' (writing '<target>'): <strerror>", for an exception's message.
std::string describe(const ReplaceFailure& failure, const std::string& target);

// Note [Folder fsync errors]: true for the errnos that mean "this file system cannot sync folders".
bool folder_sync_unsupported(int error) noexcept;

// Use to replace one file by bytes written incrementally. Every member calls only async-signal-safe
// functions, allocates nothing and throws nothing, so a forked child of a multi-threaded parent may use it.
// One thread at a time; begin() once.
class AtomicReplacement {
 public:
  AtomicReplacement() = default;
  ~AtomicReplacement() { abort(); }
  AtomicReplacement(const AtomicReplacement&) = delete;
  AtomicReplacement& operator=(const AtomicReplacement&) = delete;

  // Creates the hidden temp file beside `target`, open for writing at fd().
  bool begin(const char* target, ReplaceFailure* failure) noexcept;
  // fsyncs and closes the temp file, renames it over the target, fsyncs the folder. A failure before the
  // rename removes the temp file; after it (the folder's fsync) the new file stays in place.
  bool commit(ReplaceFailure* failure) noexcept;
  // Closes and removes the temp file unless it was renamed already. The destructor calls it.
  void abort() noexcept;

  int fd() const { return fd_; }
  const char* temp_path() const { return temp_; }
  const char* target() const { return target_; }

 private:
  int fd_ = -1;
  bool pending_ = false;  // a temp file exists that is not yet renamed
  char target_[kMaxReplacePathBytes] = {};
  char temp_[kMaxReplacePathBytes] = {};
  char folder_[kMaxReplacePathBytes] = {};
};

// The whole replacement for bytes in memory, without exceptions or allocation (for a forked child).
bool replace_file_raw(const char* target, const void* data, size_t size, ReplaceFailure* failure) noexcept;

// The same; throws TrainingError with describe()'s message on failure.
void replace_file(const std::string& target, const void* data, size_t size);

}  // namespace trainkit::state
