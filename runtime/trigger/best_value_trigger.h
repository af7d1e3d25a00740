// trainkit triggers: "when the monitored value is the best so far", for best-model snapshots.
//
//   MaxValueTrigger best("validation/main/accuracy", std::make_unique<IntervalTrigger>(1, TriggerUnit::kEpoch));
//   if (best(ctx)) save();   // fires at the end of an epoch whose mean accuracy beat every earlier one
//
// Chainer's BestValueTrigger: every call adds observation[key] (when present) to a summary; when the
// inner trigger fires, the window's mean is compared with the best so far (strictly better, or the
// first), and the summary is reset. Inner trigger, summary and best value are all saved, so a resume in
// the middle of a window gives the same firings.
#pragma once

#include <memory>
#include <string>

#include "trigger/summary.h"
#include "trigger/trigger.h"

namespace trainkit {

// Use for "best" triggers; maximize picks `>` (accuracy), otherwise `<` (loss).
class BestValueTrigger : public Trigger {
 public:
  BestValueTrigger(std::string key, bool maximize, std::unique_ptr<Trigger> interval);
  BestValueTrigger(std::string key, bool maximize, const TriggerSpec& interval);

  // Throws TrainingError naming the key when the inner trigger fires and the key was not reported
  // since the previous check.
  bool operator()(const TriggerContext& ctx) override;
  // interval_trigger/..., summary/..., has_best_value, best_value.
  void visit(state::Visitor& v) override;
  std::string describe() const override;

  std::optional<double> best_value() const { return has_best_ ? std::optional<double>(best_) : std::nullopt; }

 private:
  std::string key_;
  bool maximize_;
  std::unique_ptr<Trigger> interval_;
  DictSummary summary_;
  bool has_best_ = false;
  double best_ = 0;
};

// Chainer's MaxValueTrigger(key, trigger).
class MaxValueTrigger final : public BestValueTrigger {
 public:
  MaxValueTrigger(std::string key, std::unique_ptr<Trigger> interval)
      : BestValueTrigger(std::move(key), true, std::move(interval)) {}
};

// Chainer's MinValueTrigger(key, trigger).
class MinValueTrigger final : public BestValueTrigger {
 public:
  MinValueTrigger(std::string key, std::unique_ptr<Trigger> interval)
      : BestValueTrigger(std::move(key), false, std::move(interval)) {}
};

}  // namespace trainkit
