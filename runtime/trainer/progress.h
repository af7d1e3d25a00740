// trainkit trainer: where a run is. Updates done, the epoch arithmetic, training time across resumes,
// and the stop trigger with whether it fired. Saved under `trainer/` in every snapshot.
//
//   Progress progress(manifest.trainer, session.iterations_per_epoch());
//   progress.advance();                                  // one update done
//   progress.evaluate_stop(progress.trigger_context(&observation));
//   if (progress.stop_fired()) ...
//
// Note [When the stop trigger is evaluated]: Chainer checks it at the top of the loop, after the
// snapshot of the previous iteration was taken, so a snapshot never holds the stop trigger's state of
// its own iteration and a resumed early stopping re-checks an observation that is gone. Here it is
// evaluated after every extension trigger of the iteration and before snapshot-priority extensions
// run, and whether it fired is saved with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "manifest/manifest.h"
#include "state/visitor.h"
#include "trigger/observation.h"
#include "trigger/trigger.h"

namespace trainkit {

// Use as the one record of a run's position; the loop advances it, snapshots save it.
class Progress {
 public:
  Progress(const TrainerConfig& config, int64_t iterations_per_epoch);

  int64_t iteration() const { return iteration_; }
  int64_t iterations_per_epoch() const { return iterations_per_epoch_; }
  int64_t epoch() const { return iteration_ / iterations_per_epoch_; }
  double epoch_detail() const;
  bool is_new_epoch() const { return iteration_ > 0 && iteration_ % iterations_per_epoch_ == 0; }
  // Where the stop trigger ends the run, or -1 when that is not known in advance (early stopping).
  int64_t max_iteration() const;
  void advance() { ++iteration_; }

  // Seconds of training, accumulated across resumes; the clock runs between start_clock and stop_clock.
  double elapsed_time() const;
  void start_clock();
  void stop_clock();
  // A distributed run's agreed time (Note [One agreement per iteration], distributed/iteration_sync.h):
  // while the clock runs, elapsed_time() answers `seconds` until the next call, on every rank alike.
  void share_time(double seconds) { shared_time_ = seconds; }
  // This process's own clock, whatever time is shared: what rank 0 offers for the agreement.
  double own_elapsed_time() const;

  bool stop_fired() const { return stop_fired_; }
  void evaluate_stop(const TriggerContext& ctx) { stop_fired_ = (*stop_trigger_)(ctx); }
  TriggerContext trigger_context(const Observation* observation) const;

  // The contents of the `trainer/` scope. A LOAD keeps a fired stop only when the stop is the one saved:
  // a run that ended stays ended when resumed with the same stop (ppe: a second identical run trains 0
  // epochs), a changed stop (--set trainer.stop=...) is a request to go on.
  void save(state::Visitor& saver);
  void load(state::Visitor& loader, const std::string& snapshot_path);

 private:
  std::string stop_spec_text() const;

  const TrainerConfig& config_;
  std::unique_ptr<Trigger> stop_trigger_;
  int64_t iteration_ = 0;
  int64_t iterations_per_epoch_ = 1;
  bool stop_fired_ = false;
  double elapsed_before_run_ = 0;  // accumulated by earlier runs of the same training (resume)
  std::chrono::steady_clock::time_point run_start_;
  bool clock_running_ = false;
  std::optional<double> shared_time_;
};

}  // namespace trainkit
