#include "trigger/trigger_spec.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/error.h"

namespace trainkit {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Splits "12.5 epoch" into a number and the rest; false when it does not start with a number.
bool split_number(const std::string& text, double& number, std::string& rest) {
  const std::string t = trim(text);
  size_t used = 0;
  try {
    number = std::stod(t, &used);
  } catch (const std::exception&) {
    return false;
  }
  rest = trim(t.substr(used));
  return std::isfinite(number);
}

}  // namespace

const char* unit_name(TriggerUnit unit) { return unit == TriggerUnit::kEpoch ? "epoch" : "iteration"; }

TriggerSpec parse_trigger_text(const std::string& text) {
  TriggerSpec spec;
  spec.text = text;
  const std::string t = trim(text);
  if (t == "once") {
    spec.kind = TriggerKind::kOnce;
    return spec;
  }
  if (t == "never") {
    spec.kind = TriggerKind::kNever;
    return spec;
  }
  double n = 0;
  std::string unit;
  if (!split_number(t, n, unit) || n <= 0)
    throw std::invalid_argument("trigger \"" + text +
                                "\" is not \"N iteration\", \"N epoch\", \"once\" or \"never\" with N > 0");
  if (unit == "iteration" || unit == "iterations" || unit == "it") {
    if (n != std::floor(n)) throw std::invalid_argument("trigger \"" + text + "\": iterations must be whole");
    spec.unit = TriggerUnit::kIteration;
  } else if (unit == "epoch" || unit == "epochs") {
    spec.unit = TriggerUnit::kEpoch;
  } else {
    throw std::invalid_argument("trigger \"" + text + "\": unit must be \"iteration\" or \"epoch\", not \"" + unit + "\"");
  }
  if (n > kMaxTriggerCount)
    throw std::invalid_argument(str_cat("trigger \"", text, "\": at most ", static_cast<int64_t>(kMaxTriggerCount), " ", unit_name(spec.unit),
                                        "s (a larger count is never reached)"));
  spec.period = n;
  return spec;
}

double parse_duration(const std::string& text) {
  double n = 0;
  std::string unit;
  if (!split_number(text, n, unit) || n <= 0)
    throw std::invalid_argument("duration \"" + text + "\" is not a positive number with a unit (s, min, h)");
  double seconds = 0;
  if (unit.empty() || unit == "s" || unit == "sec" || unit == "second" || unit == "seconds")
    seconds = n;
  else if (unit == "min" || unit == "minute" || unit == "minutes")
    seconds = n * 60;
  else if (unit == "h" || unit == "hour" || unit == "hours")
    seconds = n * 3600;
  else
    throw std::invalid_argument("duration \"" + text + "\": unit must be s, min or h, not \"" + unit + "\"");
  if (!std::isfinite(seconds)) throw std::invalid_argument("duration \"" + text + "\" is too long to count");
  return seconds;
}

std::string describe(const TriggerSpec& spec) {
  std::ostringstream out;
  switch (spec.kind) {
    case TriggerKind::kInterval:
      out << spec.period << " " << unit_name(spec.unit);
      break;
    case TriggerKind::kManual: {
      out << "at [";
      for (size_t i = 0; i < spec.points.size(); ++i) out << (i ? ", " : "") << spec.points[i];
      out << "] " << unit_name(spec.unit);
      break;
    }
    case TriggerKind::kBest:
      out << (spec.maximize ? "max " : "min ") << spec.key << " every " << spec.period << " " << unit_name(spec.unit);
      break;
    case TriggerKind::kTime:
      out << "every " << spec.seconds << " s";
      break;
    case TriggerKind::kOnce:
      out << "once";
      break;
    case TriggerKind::kNever:
      out << "never";
      break;
  }
  return out.str();
}

}  // namespace trainkit
