#include "manifest/trigger_option.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

const std::string& string_of(const OptionValue& value, const std::string& key_path) {
  expect_kind(value, key_path, Kind::kString);
  return value.s;
}

TriggerSpec trigger_from_text(const OptionValue& value, const std::string& key_path) {
  try {
    return parse_trigger_text(value.s);
  } catch (const std::invalid_argument& e) {
    fail_at(value, key_path, e.what());
  }
}

// min | max | auto; "auto" maximizes accuracies and minimizes the rest (Chainer's EarlyStoppingTrigger).
bool read_maximize(const OptionValue& table, const std::string& path, const std::string& key) {
  const OptionValue* mode = find_field(table, "mode");
  if (!mode) return key.find("accuracy") != std::string::npos;
  const std::string& m = string_of(*mode, path + ".mode");
  if (m != "min" && m != "max" && m != "auto")
    fail_at(*mode, path + ".mode", str_cat("must be \"min\", \"max\" or \"auto\", not \"", m, "\""));
  return m == "max" || (m == "auto" && key.find("accuracy") != std::string::npos);
}

// The table forms are told apart by the one key that names them.
std::string trigger_form(const OptionValue& table, const std::string& path) {
  static const std::vector<std::string> forms = {"at", "best", "every", "once"};
  std::vector<std::string> present;
  for (const auto& form : forms)
    if (find_field(table, form)) present.push_back(form);
  if (present.size() == 1) return present[0];
  if (present.empty()) {
    for (const auto& [key, value] : table.fields)  // most likely a misspelled form key
      if (!closest_match(key, forms).empty())
        throw ConfigError(str_cat(locate(value.key_pos, path), ": unknown key \"", key, "\"", did_you_mean(key, forms)));
    fail_at(table, path, "a trigger table needs one of at, best, every, once");
  }
  fail_at(table, path, str_cat("give only one of at, best, every, once (found ", name_list(present), ")"));
}

// { at = [1000, 5000], unit = "iteration" }: Chainer's ManualScheduleTrigger, which needs its unit.
TriggerSpec manual_trigger(const OptionValue& table, const std::string& path) {
  reject_unknown_keys(table, path, {"at", "unit"});
  TriggerSpec spec;
  spec.kind = TriggerKind::kManual;
  const OptionValue* unit = find_field(table, "unit");
  if (!unit) fail_at(table, path, "{ at = [...] } needs unit = \"iteration\" or \"epoch\"");
  const std::string& unit_text = string_of(*unit, path + ".unit");
  if (unit_text != "iteration" && unit_text != "epoch")
    fail_at(*unit, path + ".unit",
         str_cat("must be \"iteration\" or \"epoch\", not \"", unit_text, "\"", did_you_mean(unit_text, {"iteration", "epoch"})));
  spec.unit = unit_text == "epoch" ? TriggerUnit::kEpoch : TriggerUnit::kIteration;
  const OptionValue& at = *find_field(table, "at");
  expect_kind(at, path + ".at", Kind::kArray);
  if (at.items.empty()) fail_at(at, path + ".at", "must list at least one point");
  for (size_t i = 0; i < at.items.size(); ++i) {
    const std::string item_path = str_cat(path, ".at[", i, "]");
    const double point = number_of(at.items[i], item_path);
    if (!(point > 0)) fail_at(at.items[i], item_path, "must be > 0");
    if (point > kMaxTriggerCount)
      fail_at(at.items[i], item_path, str_cat("must be at most ", static_cast<int64_t>(kMaxTriggerCount)));
    if (spec.unit == TriggerUnit::kIteration && point != std::floor(point))
      fail_at(at.items[i], item_path, "iterations must be whole");
    spec.points.push_back(point);
  }
  std::sort(spec.points.begin(), spec.points.end());
  return spec;
}

// { best = "validation/main/accuracy", mode = "max", check = "1 epoch" }: fires when the key improves.
TriggerSpec best_trigger(const OptionValue& table, const std::string& path) {
  reject_unknown_keys(table, path, {"best", "mode", "check"});
  TriggerSpec spec;
  spec.kind = TriggerKind::kBest;
  const OptionValue& best = *find_field(table, "best");
  spec.key = string_of(best, path + ".best");
  if (spec.key.empty()) fail_at(best, path + ".best", "must name an observation key");
  spec.maximize = read_maximize(table, path, spec.key);
  TriggerSpec check = parse_trigger_text("1 epoch");
  if (const OptionValue* given = find_field(table, "check")) check = interval_from_option(*given, path + ".check");
  spec.period = check.period;
  spec.unit = check.unit;
  return spec;
}

// { every = "30 min" } (or a number of seconds): wall-clock time.
TriggerSpec time_trigger(const OptionValue& table, const std::string& path) {
  reject_unknown_keys(table, path, {"every"});
  TriggerSpec spec;
  spec.kind = TriggerKind::kTime;
  const OptionValue& every = *find_field(table, "every");
  if (every.kind == Kind::kString) {
    try {
      spec.seconds = parse_duration(every.s);
    } catch (const std::invalid_argument& e) {
      fail_at(every, path + ".every", e.what());
    }
  } else {
    spec.seconds = number_of(every, path + ".every");
    if (!(spec.seconds > 0)) fail_at(every, path + ".every", "must be > 0 seconds");
  }
  return spec;
}

// { once = true, call_on_resume = false }
TriggerSpec once_trigger(const OptionValue& table, const std::string& path) {
  reject_unknown_keys(table, path, {"once", "call_on_resume"});
  TriggerSpec spec;
  spec.kind = TriggerKind::kOnce;
  const OptionValue& once = *find_field(table, "once");
  expect_kind(once, path + ".once", Kind::kBool);
  if (!once.b) fail_at(once, path + ".once", "must be true (leave the extension out to never run it)");
  if (const OptionValue* resume = find_field(table, "call_on_resume")) {
    expect_kind(*resume, path + ".call_on_resume", Kind::kBool);
    spec.call_on_resume = resume->b;
  }
  return spec;
}

TriggerSpec trigger_from_table(const OptionValue& table, const std::string& path) {
  const std::string form = trigger_form(table, path);
  TriggerSpec spec = form == "at"     ? manual_trigger(table, path)
                     : form == "best" ? best_trigger(table, path)
                     : form == "every" ? time_trigger(table, path)
                                       : once_trigger(table, path);
  spec.text = describe(spec);
  return spec;
}

}  // namespace

TriggerSpec trigger_from_option(const OptionValue& value, const std::string& key_path) {
  if (value.kind == Kind::kString) return trigger_from_text(value, key_path);
  if (value.kind != Kind::kTable)
    fail_at(value, key_path,
         str_cat("expected a trigger: a string (\"2 epoch\", \"once\") or a table ({ at = [...], unit = ... }, "
                 "{ best = ... }, { every = ... }, { once = true }), got ",
                 describe_kind(value.kind)));
  return trigger_from_table(value, key_path);
}

TriggerSpec interval_from_option(const OptionValue& value, const std::string& key_path) {
  string_of(value, key_path);
  const TriggerSpec spec = trigger_from_text(value, key_path);
  if (spec.kind != TriggerKind::kInterval)
    fail_at(value, key_path, str_cat("expected \"N epoch\" or \"N iteration\", not \"", value.s, "\""));
  return spec;
}

}  // namespace trainkit
