// trainkit triggers: "every 30 min" of training time.
//
//   TimeTrigger every(1.0);   // elapsed 0, 0.9, 1.2, 1.3, 2.1 → F, F, T, F, T
//
// Chainer's semantics: fires iff next_time < elapsed_time, then next_time += period. It does not catch
// up: a call after a long pause fires once, not once per missed period. elapsed_time is the trainer's,
// accumulated across resumes, and next_time is saved, so a resumed run keeps its cadence (ppe loses it).
#pragma once

#include "trigger/trigger.h"

namespace trainkit {

// Use for wall-clock cadences such as periodic snapshots.
class TimeTrigger final : public Trigger {
 public:
  // Throws std::invalid_argument unless seconds > 0.
  explicit TimeTrigger(double seconds);

  bool operator()(const TriggerContext& ctx) override;
  void visit(state::Visitor& v) override { v.value("next_time", next_time_); }
  std::string describe() const override;

  double next_time() const { return next_time_; }

 private:
  double period_;
  double next_time_;
};

}  // namespace trainkit
