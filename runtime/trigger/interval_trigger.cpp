#include "trigger/interval_trigger.h"

#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "trigger/epoch_math.h"

namespace trainkit {

IntervalTrigger::IntervalTrigger(double period, TriggerUnit unit) : period_(period), unit_(unit) {
  if (!(period > 0) || !std::isfinite(period))
    throw std::invalid_argument(str_cat("interval trigger: the period must be > 0, not ", period));
  if (unit == TriggerUnit::kIteration && (period != std::floor(period) || period > 1e18))
    throw std::invalid_argument(str_cat("interval trigger: an iteration period must be whole, not ", period));
}

bool IntervalTrigger::operator()(const TriggerContext& ctx) {
  bool fire = false;
  if (unit_ == TriggerUnit::kEpoch) {
    double prev = previous_epoch_detail_;
    if (prev < 0) {
      trigger_warning(ctx, "trigger \"" + describe() +
                               "\" was restored without its state; guessing the previous epoch");
      prev = ctx.previous_epoch_detail;
    }
    // A step as long as a period always crosses a boundary; saying so outright keeps periods far below one
    // iteration firing every iteration once their counts saturate (epoch_math.h).
    fire = ctx.epoch_detail - prev >= period_ ||
           floor_periods(prev, period_) != floor_periods(ctx.epoch_detail, period_);
  } else {
    int64_t prev = previous_iteration_;
    if (prev < 0) {
      trigger_warning(ctx, "trigger \"" + describe() +
                               "\" was restored without its state; guessing the previous iteration");
      prev = ctx.iteration - 1;
    }
    const auto period = static_cast<int64_t>(period_);
    fire = floor_div(prev, period) != floor_div(ctx.iteration, period);
  }
  // Both are kept whatever the unit, as in Chainer, so the saved state looks the same for every interval.
  previous_iteration_ = ctx.iteration;
  previous_epoch_detail_ = ctx.epoch_detail;
  return fire;
}

void IntervalTrigger::visit(state::Visitor& v) {
  if (!v.value("previous_iteration", previous_iteration_) && v.loading()) previous_iteration_ = -1;
  if (!v.value("previous_epoch_detail", previous_epoch_detail_) && v.loading()) previous_epoch_detail_ = -1;
}

std::string IntervalTrigger::describe() const {
  TriggerSpec spec;
  spec.period = period_;
  spec.unit = unit_;
  return trainkit::describe(spec);
}

std::optional<int64_t> IntervalTrigger::max_iteration(double iterations_per_epoch) const {
  if (unit_ == TriggerUnit::kIteration) return static_cast<int64_t>(period_);
  return first_iteration_reaching(period_, iterations_per_epoch);
}

}  // namespace trainkit
