// trainkit catalogue: the losses a manifest may name in [loss], the keys each reads and their bounds. The
// manifest's check (runtime/manifest/loss_section.cpp) and the LibTorch side (runtime/torch/loss.cpp) both
// read it. Adding a loss: its entry in losses.cpp plus its computation in runtime/torch/loss.cpp. Adding a
// key: its entry in losses.cpp plus its field in LossConfig.
//
//   loss_names();                                 // {"cross_entropy", "mse", "nll", "l1", ...}
//   find_loss("smooth_l1")->keys;                 // beta
//   find_loss_key("label_smoothing")->range.rule();  // "must be in [0, 1]"
#pragma once

#include <string>
#include <vector>

#include "catalogue/range.h"
#include "manifest/manifest.h"

namespace trainkit::catalogue {

// One number of the [loss] table and where LossConfig holds it.
struct LossKey {
  std::string name;  // "beta"
  Range range;
  double LossConfig::*field = nullptr;
};

// Use to learn what one loss reads.
struct LossSpec {
  std::string name;
  std::vector<const LossKey*> keys;
};

const std::vector<LossSpec>& losses();
std::vector<std::string> loss_names();
const LossSpec* find_loss(const std::string& name);  // nullptr for an unknown name
bool is_loss(const std::string& name);

// Every key some loss reads.
const std::vector<LossKey>& loss_keys();
const LossKey* find_loss_key(const std::string& name);  // nullptr for an unknown key
// The losses that read `key`, in catalogue order ("beta" → smooth_l1).
std::vector<std::string> losses_reading(const std::string& key);

}  // namespace trainkit::catalogue
