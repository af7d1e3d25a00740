// trainkit triggers: "every N iterations" / "every N epochs", with Chainer's memory.
//
//   IntervalTrigger every(1.5, TriggerUnit::kEpoch);   // 3 it/epoch: fires at 5, 9, 14, 18
//   every(ctx);                                         // true iff a boundary was crossed since the last call
//   every.max_iteration(3) == 5;                        // a stop trigger's training length
//
// Fires iff floor(prev / period) != floor(cur / period), cur being the iteration or epoch_detail and
// prev its value at the previous call (Chainer; ppe's stateless `iteration % period < 1` would miss a
// boundary skipped by a sparse caller). Epoch units floor with Note [Epoch boundaries in floating point].
#pragma once

#include "trigger/trigger.h"

namespace trainkit {

// Use for every periodic trigger; a period may be fractional for epochs only.
class IntervalTrigger final : public Trigger {
 public:
  // Throws std::invalid_argument unless period > 0 (and whole for iterations).
  IntervalTrigger(double period, TriggerUnit unit);

  bool operator()(const TriggerContext& ctx) override;
  // Saves previous_iteration and previous_epoch_detail. A load without them makes the next call guess,
  // like Chainer: prev = iteration - 1, or ctx.previous_epoch_detail, with a warning.
  void visit(state::Visitor& v) override;
  std::string describe() const override;
  // Always has a value: the first iteration at which a fresh trigger fires.
  std::optional<int64_t> max_iteration(double iterations_per_epoch) const override;

  double period() const { return period_; }
  TriggerUnit unit() const { return unit_; }

 private:
  double period_;
  TriggerUnit unit_;
  int64_t previous_iteration_ = 0;       // -1: unknown (loaded without state)
  double previous_epoch_detail_ = 0;     // < 0: unknown
};

}  // namespace trainkit
