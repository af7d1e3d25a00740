// trainkit triggers: stop when the monitored value stopped improving, or at a maximum length.
//
//   EarlyStoppingTrigger stop(parse_trigger_text("1 epoch"), "validation/main/loss", /*maximize=*/false,
//                             /*patience=*/3, parse_trigger_text("100 epoch"));
//   while (!stop(ctx)) { ... }
//
// Chainer's EarlyStoppingTrigger: every call adds the monitor (when reported) to a summary; the maximum
// trigger fires first; at each check the window's mean either beats the best (count = 0) or does not
// (++count), and it fires once count >= patience. A check where the monitor is not in the observation
// warns and is skipped. Unlike Chainer and ppe, best and count are saved (with both inner triggers and
// the summary), so a resume neither forgets a plateau nor restarts the patience.
#pragma once

#include <memory>
#include <string>

#include "trigger/summary.h"
#include "trigger/trigger.h"

namespace trainkit {

// Chainer's mode="auto": maximize iff the monitor's name contains "accuracy".
bool monitor_prefers_max(const std::string& monitor);

// Use as a stop trigger.
class EarlyStoppingTrigger final : public Trigger {
 public:
  // Throws std::invalid_argument when patience < 0, the monitor is empty or a trigger is missing.
  EarlyStoppingTrigger(std::unique_ptr<Trigger> check, std::string monitor, bool maximize, int64_t patience,
                       std::unique_ptr<Trigger> max_trigger);
  EarlyStoppingTrigger(const TriggerSpec& check, std::string monitor, bool maximize, int64_t patience,
                       const TriggerSpec& max_trigger);

  bool operator()(const TriggerContext& ctx) override;
  // interval_trigger/..., max_trigger/..., summary/..., best, count.
  void visit(state::Visitor& v) override;
  std::string describe() const override;
  // The maximum trigger's (Chainer's get_training_length).
  std::optional<int64_t> max_iteration(double iterations_per_epoch) const override {
    return max_trigger_->max_iteration(iterations_per_epoch);
  }

  double best() const { return best_; }
  int64_t count() const { return count_; }

 private:
  std::unique_ptr<Trigger> check_;
  std::string monitor_;
  bool maximize_;
  int64_t patience_;
  std::unique_ptr<Trigger> max_trigger_;
  DictSummary summary_;
  double best_;
  int64_t count_ = 0;
};

}  // namespace trainkit
