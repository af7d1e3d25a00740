#include "catalogue/optimizers.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace trainkit::catalogue {
namespace {

using Config = OptimizerConfig;
using Type = OptimizerKey::Type;

OptimizerKey number(const std::string& name, Range range, double Config::*field,
                    std::optional<double> Config::*given = nullptr) {
  OptimizerKey key{name, Type::kNumber, range, {name}};
  key.number = field;
  key.given = given;
  return key;
}

OptimizerKey flag(const std::string& name, bool Config::*field) {
  OptimizerKey key{name, Type::kFlag, Range{}, {name}};
  key.flag = field;
  return key;
}

OptimizerKey pair(const std::string& name, Range range, double Config::*first, double Config::*second,
                  std::vector<std::string> hyperparameters) {
  OptimizerKey key{name, Type::kPair, range, std::move(hyperparameters)};
  key.number = first;
  key.second = second;
  return key;
}

// "lr betas eps" → the catalogue's keys of those names.
std::vector<const OptimizerKey*> keys(const std::string& names) {
  std::vector<const OptimizerKey*> out;
  std::istringstream in(names);
  for (std::string name; in >> name;) {
    out.push_back(find_optimizer_key(name));
    TK_INTERNAL_ASSERT(out.back() != nullptr);
  }
  return out;
}

// LibTorch throws at the first step otherwise (PyTorch: "Nesterov momentum requires a momentum and zero
// dampening"); the manifest says it before anything trains.
const OptimizerRule kNesterovRule{"nesterov", "needs momentum > 0 and dampening = 0", [](const Config& c) {
                                    return !c.nesterov || (c.momentum > 0 && c.dampening == 0);
                                  }};

// Every hyperparameter meets the float32 parameters as a float32 scalar, and LibTorch refuses one that does
// not fit ("value cannot be converted to type float without overflow") at the first step: the upper bound.
constexpr double kFloatMax = std::numeric_limits<float>::max();
const Range kNonNegativeFloat{0, false, kFloatMax, false};
const Range kPositiveFloat{0, true, kFloatMax, false};

}  // namespace

// Note [Optimizer bounds]
// The bounds are PyTorch's own checks (torch/optim/*.py: `0.0 <= lr`, `0.0 <= eps`, `0.0 <= betas[i] < 1.0`,
// ...), so a value PyTorch accepts is accepted here, with two exceptions that are stricter: eps must be
// > 0, because eps = 0 divides 0 by 0 for every parameter whose gradient is exactly zero (a dead ReLU unit
// is enough) and the run turns to NaN; and dampening must be >= 0, which PyTorch does not check.
// lr = 0 is allowed: it is how a warm-up from zero, or a run that only evaluates, is written.
// Every upper end is float32's largest value (kFloatMax): larger values fail in LibTorch at the first step.
const std::vector<OptimizerKey>& optimizer_keys() {
  static const std::vector<OptimizerKey> table = {
      number("lr", kNonNegativeFloat, &Config::lr),
      number("momentum", kNonNegativeFloat, &Config::momentum),
      number("dampening", kNonNegativeFloat, &Config::dampening),
      flag("nesterov", &Config::nesterov),
      number("weight_decay", kNonNegativeFloat, &Config::weight_decay, &Config::weight_decay_given),
      pair("betas", Range::from_below(0, 1), &Config::beta1, &Config::beta2, {"beta1", "beta2"}),
      number("eps", kPositiveFloat, &Config::eps, &Config::eps_given),
      flag("amsgrad", &Config::amsgrad),
      number("alpha", kNonNegativeFloat, &Config::alpha),
      flag("centered", &Config::centered),
      number("lr_decay", kNonNegativeFloat, &Config::lr_decay),
      number("initial_accumulator_value", kNonNegativeFloat, &Config::initial_accumulator_value),
  };
  return table;
}

// Every default not listed here is OptimizerConfig's, which is LibTorch's *Options default for every key
// but lr: LibTorch's SGD has no default lr, and trainkit's 0.01 serves every optimizer.
const std::vector<OptimizerSpec>& optimizers() {
  static const std::vector<OptimizerSpec> table = {
      {"sgd", keys("lr momentum dampening weight_decay nesterov"), {}, {kNesterovRule}},
      {"adam", keys("lr betas eps weight_decay amsgrad"), {}, {}},
      {"adamw", keys("lr betas eps weight_decay amsgrad"), {{"weight_decay", 0.01}}, {}},
      {"rmsprop", keys("lr alpha eps weight_decay momentum centered"), {}, {}},
      {"adagrad", keys("lr lr_decay weight_decay initial_accumulator_value eps"), {{"eps", 1e-10}}, {}},
  };
  return table;
}

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const OptimizerSpec& spec : optimizers()) names.push_back(spec.name);
  return names;
}

const OptimizerSpec* find_optimizer(const std::string& name) {
  for (const OptimizerSpec& spec : optimizers())
    if (spec.name == name) return &spec;
  return nullptr;
}

const OptimizerKey* find_optimizer_key(const std::string& name) {
  for (const OptimizerKey& key : optimizer_keys())
    if (key.name == name) return &key;
  return nullptr;
}

std::vector<std::string> optimizers_reading(const std::string& key) {
  std::vector<std::string> names;
  for (const OptimizerSpec& spec : optimizers())
    if (std::any_of(spec.keys.begin(), spec.keys.end(), [&](const OptimizerKey* k) { return k->name == key; }))
      names.push_back(spec.name);
  return names;
}

std::vector<double> key_values(const OptimizerConfig& config, const OptimizerKey& key) {
  switch (key.type) {
    case Type::kNumber: return {config.*key.number};
    case Type::kFlag: return {config.*key.flag ? 1.0 : 0.0};
    case Type::kPair: return {config.*key.number, config.*key.second};
  }
  TK_INTERNAL_ASSERT(false);
}

void set_key_values(OptimizerConfig& config, const OptimizerKey& key, const std::vector<double>& values) {
  TK_INTERNAL_ASSERT(values.size() == (key.type == Type::kPair ? 2u : 1u));
  switch (key.type) {
    case Type::kNumber:
      config.*key.number = values[0];
      if (key.given) config.*key.given = values[0];
      return;
    case Type::kFlag:
      config.*key.flag = values[0] != 0;
      return;
    case Type::kPair:
      config.*key.number = values[0];
      config.*key.second = values[1];
      return;
  }
}

OptimizerConfig with_defaults(const OptimizerConfig& config) {
  OptimizerConfig out = config;
  const OptimizerSpec* spec = find_optimizer(config.name);
  TK_INTERNAL_ASSERT(spec != nullptr);
  for (const auto& [name, value] : spec->defaults) {
    const OptimizerKey* key = find_optimizer_key(name);
    TK_INTERNAL_ASSERT(key != nullptr && key->given != nullptr);
    if (!(config.*key->given)) out.*key->number = value;
  }
  for (const OptimizerKey& key : optimizer_keys())
    if (key.given && config.*key.given) out.*key.number = *(config.*key.given);
  return out;
}

const OptimizerRule* broken_rule(const OptimizerConfig& effective) {
  const OptimizerSpec* spec = find_optimizer(effective.name);
  TK_INTERNAL_ASSERT(spec != nullptr);
  for (const OptimizerRule& rule : spec->rules)
    if (!rule.holds(effective)) return &rule;
  return nullptr;
}

}  // namespace trainkit::catalogue
