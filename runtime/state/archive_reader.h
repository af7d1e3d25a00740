// trainkit state: reads and verifies snapshots in the "trainkit" format (Note [trainkit archive layout]).
// A read is all-or-nothing: the size, both magics, the version, every entry's checksum and the whole-file
// checksum are checked before a tree is returned; a bad file throws trainkit::ResumeError with the reason.
//
//   if (state::looks_like_trainkit_archive(path)) {
//     state::ArchiveSummary s = state::verify_archive(path);   // for autoload: skip the bad ones
//     if (!s.ok) warn("skipping ", path, ": ", s.problem);
//     state::MemoryTree tree = state::read_archive(path);      // then load with a MemoryLoader
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "state/memory_tree.h"

namespace trainkit::state {

// Use to tell whether a snapshot can be resumed from without loading it into memory.
struct ArchiveSummary {
  bool ok = false;
  std::string problem;               // why not ok: "truncated: expected 4096 bytes, file has 1000", ...
  uint64_t entries = 0;              // when ok
  std::optional<int64_t> iteration;  // "trainer/iteration", when ok and saved as an int64
  uint64_t bytes = 0;                // the file's size
};

// Reads and verifies the whole file; the message of the ResumeError it throws is "<path>: <problem>".
MemoryTree read_archive(const std::string& path);
// The same checks with bounded memory (payloads are hashed in chunks and dropped). Never throws for a bad
// file; an unreadable one (missing, no permission) is reported as a problem too.
ArchiveSummary verify_archive(const std::string& path);
// True when the file starts with the trainkit magic: only a dispatch between formats, no verdict.
bool looks_like_trainkit_archive(const std::string& path);

}  // namespace trainkit::state
