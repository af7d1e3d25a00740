// trainkit state: writes a snapshot in the "trainkit" format (Note [trainkit archive layout]) crash-safely,
// streamed through an AtomicReplacement (Note [Atomic file replacement] in state/atomic_replace.h).
//
//   state::ArchiveWriter writer(out_dir + "/snapshot_iter_100");   // creates out/.tmp.snapshot_iter_100.<pid>.<rand>
//   writer.add("trainer/iteration", state::view_of(leaf));        // streams the entry out, no copy
//   writer.commit();                                               // now out/snapshot_iter_100 exists, whole
//
// A writer destroyed before commit() removes its temp file, so a failed or interrupted save leaves nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "state/leaf_view.h"
#include "state/memory_tree.h"

namespace trainkit::state {

// Use to write one snapshot file. Not thread-safe; one thread adds, then commits.
// Failures (disk full, permissions) throw trainkit::TrainingError naming the snapshot's path.
class ArchiveWriter {
 public:
  explicit ArchiveWriter(const std::string& final_path);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Writes one entry; the payload goes from leaf.data to the file without an intermediate copy when large.
  // A path may be added once (a second add of it is an error: a visit saved one key twice).
  void add(const std::string& path, const LeafView& leaf);
  // Ends the archive, fsyncs it, renames it to final_path and fsyncs the folder. Once only.
  void commit();

  const std::string& final_path() const;
  const std::string& temp_path() const;
  uint64_t entries() const;
  // Bytes written so far (header and entries; the trailer is added at commit).
  uint64_t bytes_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes a captured tree to `path` (through an ArchiveWriter), leaves in key order.
void write_archive(const MemoryTree& tree, const std::string& path);

}  // namespace trainkit::state
