#include "trainer/stop.h"

#include <cmath>

#include "trigger/early_stopping.h"

namespace trainkit {

std::unique_ptr<Trigger> make_stop_trigger(const TrainerConfig& trainer) {
  if (!trainer.early_stop.enabled) return make_trigger(trainer.stop);
  const EarlyStopSpec& es = trainer.early_stop;
  return std::make_unique<EarlyStoppingTrigger>(es.check, es.monitor, es.maximize, es.patience, trainer.stop);
}

int64_t stop_iteration(const TriggerSpec& stop, int64_t iterations_per_epoch) {
  if (stop.kind != TriggerKind::kInterval) return -1;
  if (stop.unit == TriggerUnit::kIteration) return static_cast<int64_t>(stop.period);
  // The first iteration whose epoch_detail reaches the period; the epsilon absorbs 0.1*3-style rounding.
  return static_cast<int64_t>(std::ceil(stop.period * static_cast<double>(iterations_per_epoch) - 1e-9));
}

}  // namespace trainkit
