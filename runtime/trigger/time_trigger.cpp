#include "trigger/time_trigger.h"

#include <cmath>
#include <stdexcept>

#include "core/error.h"

namespace trainkit {

TimeTrigger::TimeTrigger(double seconds) : period_(seconds), next_time_(seconds) {
  if (!(seconds > 0) || !std::isfinite(seconds))
    throw std::invalid_argument(str_cat("time trigger: the period must be > 0 s, not ", seconds));
}

bool TimeTrigger::operator()(const TriggerContext& ctx) {
  if (!(next_time_ < ctx.elapsed_time)) return false;
  next_time_ += period_;
  return true;
}

std::string TimeTrigger::describe() const {
  TriggerSpec spec;
  spec.kind = TriggerKind::kTime;
  spec.seconds = period_;
  return trainkit::describe(spec);
}

}  // namespace trainkit
