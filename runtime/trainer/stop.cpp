#include "trainer/stop.h"

#include "trigger/early_stopping.h"

namespace trainkit {

std::unique_ptr<Trigger> make_stop_trigger(const TrainerConfig& trainer) {
  if (!trainer.early_stop.enabled) return make_trigger(trainer.stop);
  const EarlyStopSpec& es = trainer.early_stop;
  return std::make_unique<EarlyStoppingTrigger>(es.check, es.monitor, es.maximize, es.patience, trainer.stop);
}

}  // namespace trainkit
