// trainkit trainer: the whole state of a run as one tree, saved into snapshots and loaded on resume.
//
//   RunState state(manifest, progress, session, slots);
//   state.save(saver, "trainer");            // meta/, trainer/, model/, optimizer/, updater/, extensions/
//   state.load(tree, "out/snapshot_iter_9"); // ResumeError (nothing restored) when it does not fit
//
//   meta/{trainkit_version, target, manifest, extensions}   what wrote it (not read back)
//   meta/world_size                                         ranks of the run that wrote it (read on resume)
//   trainer/...                                             Progress: counters, elapsed time, stop trigger
//   model/, optimizer/, updater/                            the Session
//   extensions/<instance>/...                               extension_state.h; carried forward when absent
#pragma once

#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "state/memory_tree.h"
#include "state/visitor.h"
#include "torch/session.h"
#include "trainer/extension_state.h"
#include "trainer/progress.h"

namespace trainkit {

// Use as the one place that knows which part of the run lives where in the state tree.
class RunState {
 public:
  // world_size: the ranks of this run, saved in meta/ and compared on resume (1 for one process).
  RunState(const Manifest& manifest, Progress& progress, Session& session, std::vector<ExtensionSlot> slots,
           int world_size = 1);

  // The parts of `target` ("trainer" = everything; parse_target in snapshot_io.h) into a saving visitor.
  void save(state::Visitor& saver, const std::string& target);
  // Restores every part from a verified tree: counters, session, then each extension. Checks that the
  // tree fits before anything is visited, so a ResumeError changes nothing that was there.
  void load(const state::MemoryTree& tree, const std::string& snapshot_path);

 private:
  void save_meta(state::Visitor& v, const std::string& target) const;
  void carry_forward_absent(const state::MemoryTree& tree);

  const Manifest& manifest_;
  Progress& progress_;
  Session& session_;
  std::vector<ExtensionSlot> slots_;
  int world_size_;
  state::MemoryTree carried_;  // Note [Resume across plugin sets]: extensions/<name>/ of absent instances
};

}  // namespace trainkit
