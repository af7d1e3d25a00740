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
#include "state/visitor.h"

namespace trainkit::optimizer {

// One named hyperparameter of one optimizer kind, reached through the type-erased options of a group.
struct Knob {
  const char* name;
  double (*get)(const torch::optim::OptimizerOptions& options);
  void (*set)(torch::optim::OptimizerOptions& options, double value);  // booleans: value != 0
  double torch_default;  // what LibTorch's options default to, so describe() shows only what was changed
  bool is_bool;          // nesterov, amsgrad, centered: visited as bool, not f64
};

// The optimizer's part of a snapshot, read and checked by Optimizer::read_state but not yet applied.
struct LoadedState {
  // Per parameter group, the hyperparameters the snapshot holds (a missing one keeps its current value).
  std::vector<std::vector<std::pair<const Knob*, double>>> groups;
  // Per parameter (all groups, in order): its state, or null when the snapshot holds none for it.
  std::vector<std::unique_ptr<torch::optim::OptimizerParamState>> params;
};

// How one optimizer of the catalogue is built and saved (optimizer.cpp).
struct OptimizerKind;

// Use as the session's optimizer, any of catalogue/optimizers.h's, over one parameter group.
class Optimizer {
 public:
  // Applies the catalogue's defaults to the keys `config` was not given. Throws ConfigError for a name
  // not in the catalogue or a hyperparameter outside its catalogue range.
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

  // Note [Optimizer state in a snapshot]
  // Into the visitor's current scope: `name`; per parameter group g `groups/<g>/<hyperparameter>` (every
  // knob, f64 or bool) and `groups/<g>/param_count`; per parameter i (numbered over all groups in order,
  // like PyTorch's state_dict) `state/<i>/<field>`: sgd momentum_buffer; adam/adamw step, exp_avg,
  // exp_avg_sq, max_exp_avg_sq; rmsprop step, square_avg, momentum_buffer, grad_avg; adagrad step, sum.
  // A parameter that has not been stepped yet has no state/<i> at all (adagrad always has one), and an
  // undefined buffer (amsgrad off) has no key.
  void save_state(state::Visitor& v) const;
  // Reads and checks everything save_state wrote. Throws ResumeError (another optimizer, another number
  // of parameters, a state tensor that does not fit its parameter) and then has changed nothing.
  LoadedState read_state(state::Visitor& v) const;
  // Installs what read_state returned; parameters without saved state lose theirs (except adagrad's,
  // which LibTorch creates in the constructor and requires).
  void apply_state(LoadedState loaded);

 private:
  const Knob* find(const std::string& key) const;

  std::string name_;
  std::unique_ptr<torch::optim::Optimizer> impl_;
  const OptimizerKind* kind_ = nullptr;
};

}  // namespace trainkit::optimizer
