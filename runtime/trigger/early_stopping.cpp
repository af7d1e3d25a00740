#include "trigger/early_stopping.h"

#include <limits>
#include <stdexcept>

#include "core/error.h"

namespace trainkit {

bool monitor_prefers_max(const std::string& monitor) { return monitor.find("accuracy") != std::string::npos; }

EarlyStoppingTrigger::EarlyStoppingTrigger(std::unique_ptr<Trigger> check, std::string monitor, bool maximize,
                                           int64_t patience, std::unique_ptr<Trigger> max_trigger)
    : check_(std::move(check)),
      monitor_(std::move(monitor)),
      maximize_(maximize),
      patience_(patience),
      max_trigger_(std::move(max_trigger)),
      best_(maximize ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity()) {
  if (!check_ || !max_trigger_) throw std::invalid_argument("early stopping: a check or maximum trigger is missing");
  if (monitor_.empty()) throw std::invalid_argument("early stopping: the monitor key is empty");
  if (patience_ < 0) throw std::invalid_argument(str_cat("early stopping: patience must be >= 0, not ", patience_));
}

EarlyStoppingTrigger::EarlyStoppingTrigger(const TriggerSpec& check, std::string monitor, bool maximize,
                                           int64_t patience, const TriggerSpec& max_trigger)
    : EarlyStoppingTrigger(make_trigger(check), std::move(monitor), maximize, patience, make_trigger(max_trigger)) {}

bool EarlyStoppingTrigger::operator()(const TriggerContext& ctx) {
  std::optional<double> reported;
  if (ctx.observation != nullptr) reported = ctx.observation->find(monitor_);
  if (reported) summary_.add(monitor_, *reported);

  // Chainer's order: when the maximum fires the check trigger is not consulted this call; being
  // stateful, it still sees the boundary at its next call.
  if ((*max_trigger_)(ctx)) return true;
  if (!(*check_)(ctx)) return false;

  if (!reported) {
    trigger_warning(ctx, str_cat("early stopping: \"", monitor_, "\" is not in the observation at iteration ",
                                 ctx.iteration, "; this check is skipped"));
    return false;
  }
  const double current = *summary_.mean(monitor_);
  summary_.reset();
  if (maximize_ ? current > best_ : current < best_) {
    best_ = current;
    count_ = 0;
  } else {
    ++count_;
  }
  return count_ >= patience_;
}

void EarlyStoppingTrigger::visit(state::Visitor& v) {
  v.scope("interval_trigger", [&] { check_->visit(v); });
  v.scope("max_trigger", [&] { max_trigger_->visit(v); });
  v.scope("summary", [&] { summary_.visit(v); });
  v.value("best", best_);
  v.value("count", count_);
}

std::string EarlyStoppingTrigger::describe() const {
  return str_cat("early stopping on ", monitor_, " (", maximize_ ? "max" : "min", ", patience ", patience_,
                 ", checked every ", check_->describe(), ", at most ", max_trigger_->describe(), ")");
}

}  // namespace trainkit
