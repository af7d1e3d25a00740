// Values the catalogue tests set each key to: inside the key's range and unlike its default, so a key that
// one side reads and the other ignores shows up as a value that did not arrive.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "catalogue/optimizers.h"

namespace trainkit::testing {

// A number the range admits that differs from `current`.
inline double probe_number(const catalogue::Range& range, double current) {
  for (double candidate : {current + 0.03125, current - 0.03125, current / 2})
    if (range.admits(candidate) && candidate != current) return candidate;
  return current;
}

// The key's values in `config` moved to probes: numbers and pair items by probe_number, flags flipped.
inline std::vector<double> probe_values(const OptimizerConfig& config, const catalogue::OptimizerKey& key) {
  std::vector<double> values = catalogue::key_values(config, key);
  for (double& v : values) v = key.type == catalogue::OptimizerKey::Type::kFlag ? 1.0 - v : probe_number(key.range, v);
  return values;
}

// How the manifest writes them: "0.03125", "true", "[0.93125, 0.96775]"; %.17g reads back the same double.
inline std::string toml_of(const catalogue::OptimizerKey& key, const std::vector<double>& values) {
  auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", v);
    std::string s = text;
    return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
  };
  if (key.type == catalogue::OptimizerKey::Type::kFlag) return values[0] != 0 ? "true" : "false";
  if (key.type == catalogue::OptimizerKey::Type::kNumber) return number(values[0]);
  return "[" + number(values[0]) + ", " + number(values[1]) + "]";
}

// The defaults of `name` with `key` probed; when that breaks a rule of the optimizer (nesterov without
// momentum), another of its keys is probed too, the first that makes the rules hold again.
inline OptimizerConfig probed_config(const catalogue::OptimizerSpec& spec, const catalogue::OptimizerKey& key,
                                     std::vector<const catalogue::OptimizerKey*>* probed) {
  OptimizerConfig base;
  base.name = spec.name;
  base = catalogue::with_defaults(base);
  OptimizerConfig config = base;
  catalogue::set_key_values(config, key, probe_values(base, key));
  probed->assign({&key});
  if (!catalogue::broken_rule(catalogue::with_defaults(config))) return config;
  for (const catalogue::OptimizerKey* other : spec.keys) {
    if (other == &key) continue;
    OptimizerConfig both = config;
    catalogue::set_key_values(both, *other, probe_values(base, *other));
    if (!catalogue::broken_rule(catalogue::with_defaults(both))) {
      probed->push_back(other);
      return both;
    }
  }
  FAIL("no other key of " << spec.name << " makes its rules hold with " << key.name << " probed");
  return config;
}

// The [optimizer] table that writes `config`'s values of `keys`.
inline std::string optimizer_toml(const OptimizerConfig& config, const std::vector<const catalogue::OptimizerKey*>& keys) {
  std::string text = "[optimizer]\nname = \"" + config.name + "\"\n";
  for (const catalogue::OptimizerKey* key : keys)
    text += key->name + " = " + toml_of(*key, catalogue::key_values(config, *key)) + "\n";
  return text;
}

}  // namespace trainkit::testing
