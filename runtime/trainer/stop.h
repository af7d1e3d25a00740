// trainkit trainer: the trigger that ends a run, from [trainer].stop.
//
//   auto stop = make_stop_trigger(manifest.trainer);     // interval, or early stopping with a maximum
#pragma once

#include <cstdint>
#include <memory>

#include "manifest/manifest.h"
#include "trigger/trigger.h"

namespace trainkit {

std::unique_ptr<Trigger> make_stop_trigger(const TrainerConfig& trainer);

}  // namespace trainkit
