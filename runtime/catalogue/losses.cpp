#include "catalogue/losses.h"

#include <algorithm>

namespace trainkit::catalogue {

// The bounds are PyTorch's own checks: label_smoothing in [0, 1] (F.cross_entropy), beta >= 0
// (F.smooth_l1_loss, where beta = 0 is the L1 loss).
const std::vector<LossKey>& loss_keys() {
  static const std::vector<LossKey> table = {
      {"label_smoothing", Range::between(0, 1), &LossConfig::label_smoothing},
      {"beta", Range::at_least(0), &LossConfig::beta},
  };
  return table;
}

// What each computes, on the model's raw outputs, is in runtime/torch/loss.h (Note [Targets of a loss]).
const std::vector<LossSpec>& losses() {
  static const std::vector<LossSpec> table = {
      {"cross_entropy", {find_loss_key("label_smoothing")}},
      {"mse", {}},
      {"nll", {}},
      {"l1", {}},
      {"smooth_l1", {find_loss_key("beta")}},
      {"bce_with_logits", {}},
  };
  return table;
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const LossSpec& spec : losses()) names.push_back(spec.name);
  return names;
}

const LossSpec* find_loss(const std::string& name) {
  for (const LossSpec& spec : losses())
    if (spec.name == name) return &spec;
  return nullptr;
}

bool is_loss(const std::string& name) { return find_loss(name) != nullptr; }

const LossKey* find_loss_key(const std::string& name) {
  for (const LossKey& key : loss_keys())
    if (key.name == name) return &key;
  return nullptr;
}

std::vector<std::string> losses_reading(const std::string& key) {
  std::vector<std::string> names;
  for (const LossSpec& spec : losses())
    if (std::any_of(spec.keys.begin(), spec.keys.end(), [&](const LossKey* k) { return k->name == key; }))
      names.push_back(spec.name);
  return names;
}

}  // namespace trainkit::catalogue
