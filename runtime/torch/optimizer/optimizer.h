// trainkit torch optimizer: a torch::optim optimizer built from the manifest, with its hyperparameters
// readable and writable by name so LR shifts and observe_lr treat every optimizer alike.
// Includes LibTorch headers: only runtime/torch/*.cpp may include this file.
//
//   Optimizer opt(manifest.optimizer, parameters);
//   opt.impl().zero_grad();  ...  opt.impl().step();
//   opt.get(0, "lr");  opt.set(0, "beta1", 0.8);   // adam's betas are "beta1" / "beta2"
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace trainkit::optimizer {

// One named hyperparameter of one optimizer kind, reached through the type-erased options of a group.
struct Knob {
  const char* name;
  double (*get)(const torch::optim::OptimizerOptions& options);
  void (*set)(torch::optim::OptimizerOptions& options, double value);  // booleans: value != 0
  double torch_default;  // what LibTorch's options default to, so describe() shows only what was changed
};

// Use as the session's optimizer: sgd, adam, adamw, rmsprop or adagrad over one parameter group.
class Optimizer {
 public:
  // Throws ConfigError for an unknown name or an out-of-range hyperparameter.
  Optimizer(const OptimizerConfig& config, const std::vector<at::Tensor>& parameters);
  ~Optimizer();

  const std::string& name() const { return name_; }
  torch::optim::Optimizer& impl() { return *impl_; }

  size_t group_count() const;
  // nullopt / false for an unknown name or group. Booleans (nesterov, amsgrad, centered) read as 0 or 1.
  std::optional<double> get(size_t group, const std::string& key) const;
  bool set(size_t group, const std::string& key, double value);
  std::vector<std::string> hyperparameter_names() const;

  // "sgd lr=0.05 momentum=0.9": lr and every value of group 0 that differs from LibTorch's default.
  std::string describe() const;

 private:
  const Knob* find(const std::string& key) const;

  std::string name_;
  std::unique_ptr<torch::optim::Optimizer> impl_;
  const std::vector<Knob>* knobs_ = nullptr;
};

}  // namespace trainkit::optimizer
