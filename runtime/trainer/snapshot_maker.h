// trainkit trainer: what the trainkit.snapshot/1 service does with the live run — copy its state out
// for a background write, or stream it straight to a file.
//
//   SnapshotMaker maker(run_state);
//   std::unique_ptr<tk_snapshot> copy(maker.capture("trainer", "trainkit"));   // then write_captured(...)
//   maker.write_now("model", "torch", "/out/model.pt");
//
// Both run on the main thread between updates (the service's contract), so the state is consistent.
// Captures copy into the staging memory of this run (state/staging_pool.h): a snapshot given back is
// reused by the next capture, so the training thread only pays for the copy; the memory is unmapped
// when the maker goes away with the run.
#pragma once

#include <memory>
#include <string>

#include "state/staging_pool.h"
#include "trainer/run_state.h"
#include "trainer/snapshot_io.h"

namespace trainkit {

// Use as the snapshot service's view of the run.
class SnapshotMaker {
 public:
  explicit SnapshotMaker(RunState& state) : state_(state), staging_(state::StagingPool::create()) {}
  ~SnapshotMaker() { staging_->close(); }
  SnapshotMaker(const SnapshotMaker&) = delete;
  SnapshotMaker& operator=(const SnapshotMaker&) = delete;

  // A copy of the state that no longer refers to the run; the caller owns it. ConfigError on a bad
  // target or format.
  tk_snapshot* capture(const std::string& target, const std::string& format);
  // Writes the state to path atomically. The default format streams with no second copy in memory.
  void write_now(const std::string& target, const std::string& format, const std::string& path);

  const state::StagingPool& staging() const { return *staging_; }

 private:
  RunState& state_;
  std::shared_ptr<state::StagingPool> staging_;  // shared with the snapshots still out, which give back to it
};

}  // namespace trainkit
