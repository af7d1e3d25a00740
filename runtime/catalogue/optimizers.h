// trainkit catalogue: the optimizers a manifest may name, the [optimizer] keys each reads, their bounds and
// the defaults that differ between optimizers. The manifest's checks (runtime/manifest/optimizer_section.cpp)
// and the LibTorch side (runtime/torch/optimizer/optimizer.cpp) both read this one table, so they cannot
// disagree. Adding an optimizer: its entry in optimizers.cpp plus its row in runtime/torch/optimizer/.
// Adding a key: its entry in optimizers.cpp plus its field in OptimizerConfig.
//
//   const OptimizerSpec* adam = find_optimizer("adam");
//   for (const OptimizerKey* key : adam->keys) key_values(config, *key);  // "betas" → {0.9, 0.999}
//   OptimizerConfig effective = with_defaults(config);                   // adamw: weight_decay 0.01
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalogue/range.h"
#include "manifest/manifest.h"

namespace trainkit::catalogue {

// One key of the [optimizer] table and where OptimizerConfig holds it.
struct OptimizerKey {
  enum class Type { kNumber, kFlag, kPair };

  std::string name;  // "lr", "nesterov", "betas"
  Type type = Type::kNumber;
  Range range;       // of the number, or of each item of a pair; a flag has none
  // The names the LibTorch side gives it at run time (Session::hyperparameter, LR shifts, snapshots): the
  // key's own, or one per item of a pair ("betas" → "beta1", "beta2").
  std::vector<std::string> hyperparameters;

  // Where it is stored; read and write it with key_values / set_key_values.
  double OptimizerConfig::*number = nullptr;  // kNumber; kPair: the first item
  double OptimizerConfig::*second = nullptr;  // kPair: the second item
  bool OptimizerConfig::*flag = nullptr;      // kFlag
  // Keys whose default depends on the optimizer also record whether the user gave them.
  std::optional<double> OptimizerConfig::*given = nullptr;
};

// A condition across keys, reported at one of them.
struct OptimizerRule {
  std::string key;   // where the message points: "nesterov"
  std::string text;  // "needs momentum > 0 and dampening = 0"
  bool (*holds)(const OptimizerConfig& effective);
};

// Use to learn what one optimizer reads.
struct OptimizerSpec {
  std::string name;
  std::vector<const OptimizerKey*> keys;  // in the order LibTorch lists its options
  // Where its default differs from OptimizerConfig's; only keys with a `given` field can differ.
  std::vector<std::pair<std::string, double>> defaults;
  std::vector<OptimizerRule> rules;
};

const std::vector<OptimizerSpec>& optimizers();
std::vector<std::string> optimizer_names();
const OptimizerSpec* find_optimizer(const std::string& name);  // nullptr for an unknown name

// Every key some optimizer reads, in the order the manifest checks them.
const std::vector<OptimizerKey>& optimizer_keys();
const OptimizerKey* find_optimizer_key(const std::string& name);  // nullptr for an unknown key
// The optimizers that read `key`, in catalogue order ("momentum" → sgd, rmsprop).
std::vector<std::string> optimizers_reading(const std::string& key);

// A key's value(s) in `config`: one number, two for a pair, 0 or 1 for a flag.
std::vector<double> key_values(const OptimizerConfig& config, const OptimizerKey& key);
// Stores a key's value(s) as given by the user (a flag: nonzero is on).
void set_key_values(OptimizerConfig& config, const OptimizerKey& key, const std::vector<double>& values);
// `config` with the optimizer's own defaults for the keys the user did not give (adamw's weight_decay
// 0.01, adagrad's eps 1e-10: LibTorch's) and each given value in its field.
OptimizerConfig with_defaults(const OptimizerConfig& config);
// The first rule of config.name's optimizer that `effective` (with defaults) breaks, or nullptr.
const OptimizerRule* broken_rule(const OptimizerConfig& effective);

}  // namespace trainkit::catalogue
