// trainkit trainer: the trigger that ends a run, from [trainer].stop.
//
//   auto stop = make_stop_trigger(manifest.trainer);     // interval, or early stopping with a maximum
//   int64_t last = stop_iteration(manifest.trainer.stop, iterations_per_epoch);   // for progress bars
#pragma once

#include <cstdint>
#include <memory>

#include "manifest/manifest.h"
#include "trigger/trigger.h"

namespace trainkit {

std::unique_ptr<Trigger> make_stop_trigger(const TrainerConfig& trainer);

// The iteration at which an interval stop spec first fires, or -1 when it is not an interval.
int64_t stop_iteration(const TriggerSpec& stop, int64_t iterations_per_epoch);

}  // namespace trainkit
