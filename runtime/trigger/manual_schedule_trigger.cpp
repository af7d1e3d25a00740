#include "trigger/manual_schedule_trigger.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "trigger/epoch_math.h"

namespace trainkit {

ManualScheduleTrigger::ManualScheduleTrigger(std::vector<double> points, TriggerUnit unit)
    : points_(std::move(points)), last_point_(0), unit_(unit) {
  if (points_.empty()) throw std::invalid_argument("schedule trigger: the list of points is empty");
  last_point_ = *std::max_element(points_.begin(), points_.end());
}

bool ManualScheduleTrigger::operator()(const TriggerContext& ctx) {
  double prev = 0;
  double cur = 0;
  if (unit_ == TriggerUnit::kEpoch) {
    prev = previous_epoch_detail_;
    if (prev < 0) {
      trigger_warning(ctx, "trigger \"" + describe() +
                               "\" was restored without its state; guessing the previous epoch");
      prev = ctx.previous_epoch_detail;
    }
    cur = ctx.epoch_detail;
  } else {
    int64_t prev_iteration = previous_iteration_;
    if (prev_iteration < 0) {
      trigger_warning(ctx, "trigger \"" + describe() +
                               "\" was restored without its state; guessing the previous iteration");
      prev_iteration = ctx.iteration - 1;
    }
    prev = static_cast<double>(prev_iteration);
    cur = static_cast<double>(ctx.iteration);
  }
  // Epoch points compare under Note [Epoch boundaries in floating point]; iterations compare exactly.
  auto at_or_past = [&](double value, double p) {
    return unit_ == TriggerUnit::kEpoch ? reached(value, p) : value >= p;
  };
  const bool fire = std::any_of(points_.begin(), points_.end(),
                                [&](double p) { return !at_or_past(prev, p) && at_or_past(cur, p); });
  const bool past_last = at_or_past(cur, last_point_);
  if (guess_finished_) {
    guess_finished_ = false;
    if (past_last) finished_ = true;
  }
  if (fire && past_last) finished_ = true;

  previous_iteration_ = ctx.iteration;
  previous_epoch_detail_ = ctx.epoch_detail;
  return fire;
}

void ManualScheduleTrigger::visit(state::Visitor& v) {
  if (!v.value("previous_iteration", previous_iteration_) && v.loading()) previous_iteration_ = -1;
  if (!v.value("previous_epoch_detail", previous_epoch_detail_) && v.loading()) previous_epoch_detail_ = -1;
  if (v.loading()) guess_finished_ = false;
  if (!v.value("finished", finished_) && v.loading()) guess_finished_ = true;
}

std::string ManualScheduleTrigger::describe() const {
  TriggerSpec spec;
  spec.kind = TriggerKind::kManual;
  spec.points = points_;
  spec.unit = unit_;
  return trainkit::describe(spec);
}

std::optional<int64_t> ManualScheduleTrigger::max_iteration(double iterations_per_epoch) const {
  std::optional<int64_t> first;
  for (double p : points_) {
    if (p <= 0) continue;  // a fresh trigger starts at prev = 0, so these never fire
    const int64_t at = unit_ == TriggerUnit::kEpoch ? first_iteration_reaching(p, iterations_per_epoch)
                                                    : static_cast<int64_t>(std::ceil(p));
    if (!first || at < *first) first = at;
  }
  return first;
}

}  // namespace trainkit
