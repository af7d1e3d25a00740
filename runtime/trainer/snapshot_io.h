// trainkit trainer: snapshot files in both formats — capture, write, verify, read.
//
//   tk_snapshot snap = ...;                    // a captured copy (see Trainer::capture_snapshot)
//   write_captured(snap, "/out/snapshot_iter_100");
//   SnapshotCheck c = verify_snapshot_file(path);        // checksums, format, iteration inside
//   state::MemoryTree tree = read_snapshot_file(path);   // all-or-nothing; ResumeError on any problem
//
// Format "trainkit": the checksummed archive (runtime/state/archive.h). Format "torch": nested dicts of
// tensors and numbers that Python's torch.load opens (runtime/torchfile/torch_format.h), streamed by
// runtime/torchfile/torch_writer.h.
#pragma once

#include <cstdint>
#include <string>

#include "state/memory_tree.h"
#include "state/staged_tree.h"

// The ABI's opaque tk_snapshot: a state copied out of the live run. Deleting it (the service's release)
// gives its staging memory back to the run's pool for the next capture.
struct tk_snapshot {
  std::string format;                 // "trainkit" | "torch": how write_captured encodes the tree
  trainkit::state::StagedTree tree;
};

namespace trainkit {

// Which parts of the state a snapshot holds. Target "trainer" is everything; otherwise a '+'-joined
// list of model, optimizer, updater, counters (iteration, elapsed time, stop trigger), extensions
// ("model" alone is the snapshot extension's target = "model"; checkpoints choose their objects).
struct StateParts {
  bool model = true, optimizer = true, updater = true, counters = true, extensions = true;
  bool everything() const { return model && optimizer && updater && counters && extensions; }
};
StateParts parse_target(const std::string& target);  // ConfigError for an unknown part

// Throws ConfigError unless format is "trainkit" or "torch" and the target parses.
void check_snapshot_request(const std::string& target, const std::string& format);

// Writes a captured snapshot atomically, with the code trainkit-snapshot-writer uses (write_staged.h).
void write_captured(const tk_snapshot& snapshot, const std::string& path);

struct SnapshotCheck {
  bool ok = false;
  std::string format;     // "trainkit" | "torch" | "" when unrecognised
  std::string problem;    // why not ok
  int64_t iteration = -1; // trainer/iteration inside, -1 when absent
};
SnapshotCheck verify_snapshot_file(const std::string& path);

state::MemoryTree read_snapshot_file(const std::string& path, std::string* format = nullptr);

}  // namespace trainkit
