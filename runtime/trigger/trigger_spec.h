// trainkit triggers: what a manifest says about when something fires, before it becomes a Trigger.
//
//   TriggerSpec s = parse_trigger_text("0.5 epoch");   // kInterval, period 0.5, unit kEpoch
//   double sec = parse_duration("30 min");             // 1800
//
// Table forms ({ at = [...] }, { best = ... }, { every = ... }) are read by the manifest into this struct.
#pragma once

#include <string>
#include <vector>

namespace trainkit {

enum class TriggerKind { kInterval, kManual, kBest, kTime, kOnce, kNever };
enum class TriggerUnit { kIteration, kEpoch };

// Use to describe a trigger as data; make_trigger() builds the stateful object.
struct TriggerSpec {
  TriggerKind kind = TriggerKind::kInterval;
  double period = 1;                       // kInterval; also the check interval of kBest
  TriggerUnit unit = TriggerUnit::kIteration;
  std::vector<double> points;              // kManual, in `unit`
  std::string key;                         // kBest: the observation key
  bool maximize = true;                    // kBest: mode = "max"
  double seconds = 0;                      // kTime
  bool call_on_resume = false;             // kOnce
  std::string text;                        // as the user wrote it, for messages
};

// The most periods a trigger may count, in either unit: 10^15 iterations is three million years at ten
// iterations a second, and every count up to it is exact in a double (2^53 ~ 9 x 10^15), where the
// triggers compare epochs. "1e30 iteration" is refused where the manifest is read.
constexpr double kMaxTriggerCount = 1e15;

const char* unit_name(TriggerUnit unit);

// "N iteration(s)" | "N epoch(s)" (N may be fractional for epochs; 0 < N <= kMaxTriggerCount) | "once" | "never".
// Throws std::invalid_argument with a message that says what is accepted.
TriggerSpec parse_trigger_text(const std::string& text);

// "30 s", "30 sec", "5 min", "2 h", "1.5 hour", or a plain number of seconds; finite. Throws std::invalid_argument.
double parse_duration(const std::string& text);

// The canonical text of a spec ("2 epoch", "at [1000, 5000] iteration", "best validation/main/loss min ...").
std::string describe(const TriggerSpec& spec);

}  // namespace trainkit
