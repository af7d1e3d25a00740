// trainkit triggers: fire at listed points, e.g. "at [1000, 5000] iteration" or "at [1.5, 2.5] epoch".
//
//   ManualScheduleTrigger at({1.5, 2.5}, TriggerUnit::kEpoch);   // 2 it/epoch: fires at 3 and 5
//   at.finished();                                              // true from the firing at 5 on
//
// Chainer's semantics: fires iff some point p has prev < p <= cur since the previous call, so a sparse
// caller still catches a point it skipped; `finished` once a firing reached the last point.
#pragma once

#include <vector>

#include "trigger/trigger.h"

namespace trainkit {

// Use for one-off moments of a run (a learning-rate drop, an extra evaluation).
class ManualScheduleTrigger final : public Trigger {
 public:
  // Throws std::invalid_argument when points is empty.
  ManualScheduleTrigger(std::vector<double> points, TriggerUnit unit);

  bool operator()(const TriggerContext& ctx) override;
  // Saves previous_iteration, previous_epoch_detail and finished; a load without them guesses like Chainer.
  void visit(state::Visitor& v) override;
  bool finished() const override { return finished_; }
  std::string describe() const override;
  // The iteration of the first firing of a fresh trigger; empty when no point is > 0.
  std::optional<int64_t> max_iteration(double iterations_per_epoch) const override;

 private:
  std::vector<double> points_;
  double last_point_;
  TriggerUnit unit_;
  int64_t previous_iteration_ = 0;     // -1: unknown (loaded without state)
  double previous_epoch_detail_ = 0;   // < 0: unknown
  bool finished_ = false;
  bool guess_finished_ = false;        // loaded without `finished`: decide at the next call (Chainer)
};

}  // namespace trainkit
