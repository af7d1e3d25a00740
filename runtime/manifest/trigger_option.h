// trainkit manifest: a trigger as the manifest writes it, a string ("2 epoch", "once") or a table
// ({ at = [...], unit = ... }, { best = ... }, { every = ... }, { once = true }), read into a TriggerSpec.
// Used for an extension's `trigger`, for options of type trigger, and for the trainer's intervals.
//
//   TriggerSpec t = trigger_from_option(value, "extension.snapshot.trigger");  // ConfigError at the value
//   TriggerSpec stop = interval_from_option(value, "trainer.stop");            // "N epoch" | "N iteration"
#pragma once

#include <string>

#include "manifest/option_value.h"
#include "trigger/trigger_spec.h"

namespace trainkit {

// Any trigger form. Throws ConfigError with the value's position.
TriggerSpec trigger_from_option(const OptionValue& value, const std::string& key_path);

// Only "N epoch" or "N iteration": a run's length or a check interval cannot be "once" or a table.
TriggerSpec interval_from_option(const OptionValue& value, const std::string& key_path);

}  // namespace trainkit
