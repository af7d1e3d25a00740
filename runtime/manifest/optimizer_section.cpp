// [optimizer]: the name and the hyperparameters, read, bounded and defaulted as catalogue/optimizers.h
// says; a key the chosen optimizer does not read is an error, not a silent no-op.
#include <algorithm>

#include "catalogue/optimizers.h"
#include "core/error.h"
#include "core/name_list.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using catalogue::OptimizerKey;

// [b1, b2]: exactly two numbers, each in the key's range.
std::vector<double> read_pair(TableReader& r, const OptimizerKey& key) {
  const OptionValue& pair = *r.find(key.name);
  const std::string path = r.path_of(key.name);
  expect_kind(pair, path, OptionValue::Kind::kArray);
  if (pair.items.size() != 2)
    fail_at(pair, path, str_cat("expected two numbers: [", key.hyperparameters[0], ", ", key.hyperparameters[1], "]"));
  std::vector<double> values;
  for (size_t i = 0; i < 2; ++i) {
    const std::string item_path = str_cat(path, "[", i, "]");
    values.push_back(number_of(pair.items[i], item_path));
    require_in(pair.items[i], item_path, values.back(), key.range);
  }
  return values;
}

void read_key(TableReader& r, const OptimizerKey& key, OptimizerConfig& o) {
  switch (key.type) {
    case OptimizerKey::Type::kNumber: {
      double value = 0;
      if (!r.read(key.name, value)) return;
      r.require_in(key.name, value, key.range);
      catalogue::set_key_values(o, key, {value});
      return;
    }
    case OptimizerKey::Type::kFlag: {
      bool on = false;
      if (r.read(key.name, on)) catalogue::set_key_values(o, key, {on ? 1.0 : 0.0});
      return;
    }
    case OptimizerKey::Type::kPair:
      if (r.find(key.name)) catalogue::set_key_values(o, key, read_pair(r, key));
      return;
  }
}

void reject_keys_unused_by(const OptionValue& table, const catalogue::OptimizerSpec& optimizer) {
  for (const auto& [name, value] : table.fields) {
    const OptimizerKey* key = catalogue::find_optimizer_key(name);
    if (!key || std::find(optimizer.keys.begin(), optimizer.keys.end(), key) != optimizer.keys.end()) continue;
    throw ConfigError(str_cat(locate(value.key_pos, dotted("optimizer", name)), ": not used by \"", optimizer.name,
                              "\" (used by ", name_list(catalogue::optimizers_reading(name)), ")"));
  }
}

}  // namespace

void read_optimizer(const OptionValue& table, OptimizerConfig& o) {
  TableReader r(table, "optimizer");
  o.pos = table.pos;
  if (r.read("name", o.name)) r.require_choice("name", o.name, catalogue::optimizer_names());
  for (const OptimizerKey& key : catalogue::optimizer_keys()) read_key(r, key, o);
  r.finish();
  reject_keys_unused_by(table, *catalogue::find_optimizer(o.name));
  // The fields hold the effective values (the optimizer's own defaults); the *_given fields say what was given.
  o = catalogue::with_defaults(o);
  if (const catalogue::OptimizerRule* rule = catalogue::broken_rule(o)) r.require(false, rule->key, rule->text);
}

}  // namespace trainkit
