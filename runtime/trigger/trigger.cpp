#include "trigger/trigger.h"

#include <stdexcept>

#include "trigger/best_value_trigger.h"
#include "trigger/interval_trigger.h"
#include "trigger/manual_schedule_trigger.h"
#include "trigger/once_trigger.h"
#include "trigger/time_trigger.h"

namespace trainkit {

void trigger_warning(const TriggerContext& ctx, const std::string& message) {
  if (ctx.warn) ctx.warn(message);
}

std::string Trigger::describe() const { return "custom trigger"; }

std::unique_ptr<Trigger> make_trigger(const TriggerSpec& spec) {
  switch (spec.kind) {
    case TriggerKind::kInterval:
      return std::make_unique<IntervalTrigger>(spec.period, spec.unit);
    case TriggerKind::kManual:
      return std::make_unique<ManualScheduleTrigger>(spec.points, spec.unit);
    case TriggerKind::kBest:
      return std::make_unique<BestValueTrigger>(spec.key, spec.maximize,
                                                std::make_unique<IntervalTrigger>(spec.period, spec.unit));
    case TriggerKind::kTime:
      return std::make_unique<TimeTrigger>(spec.seconds);
    case TriggerKind::kOnce:
      return std::make_unique<OnceTrigger>(spec.call_on_resume);
    case TriggerKind::kNever:
      return std::make_unique<NeverTrigger>();
  }
  throw std::invalid_argument("unknown trigger kind");
}

}  // namespace trainkit
