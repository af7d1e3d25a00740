// trainkit torch: what one batch does to the model, in training and in evaluation. Either the default
// step (the forward of model.input, then [loss] against model.target) or a TorchScript module's own
// training_step / validation_step. Includes LibTorch headers: only runtime/torch/*.cpp may include it.
//
//   std::unique_ptr<Step> step = make_step(*model, manifest.model, manifest.loss);
//   StepOutput out = step->train(batch);     // out.loss.backward(); out.values → main/<key>
//   StepOutput v = step->validate(batch);    // inside the caller's NoGradGuard and EvalModeScope
//
// Note [A model's own step]
// A TorchScript module that defines (exported, as TorchScript compiles only forward and what it calls)
//     @torch.jit.export
//     def training_step(self, batch: Dict[str, Tensor]) -> Dict[str, Tensor]
// is given every field of the batch by name and computes its own loss: the returned "loss" (a scalar
// that depends on the parameters) is minimised, and every other one-element tensor of the dict is reported
// as main/<key> (larger tensors, such as predictions, are not reported). An optional validation_step of
// the same signature serves evaluation; without it training_step does, under no-grad and in eval mode.
// [loss], model.input and model.target are not read for such a module, and its forward is never called.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"
#include "torch/model/model.h"
#include "torch/train_data.h"

namespace trainkit {

// One batch's result: the loss to minimise and the values to report.
struct StepOutput {
  at::Tensor loss;                                      // a scalar; attached to the graph in train()
  std::vector<std::pair<std::string, double>> values;  // "loss" first, then the others (main/<key>)
};

// Use as the session's one way of running a batch through the model, whatever defines it.
class Step {
 public:
  virtual ~Step() = default;
  virtual StepOutput train(const Batch& batch) = 0;
  virtual StepOutput validate(const Batch& batch) = 0;
  // "cross_entropy on label", "nll of x against y", "the model's training_step".
  virtual std::string describe() const = 0;
  // The batch fields it reads by name (empty: all of them, as a model's own step takes the whole batch).
  virtual std::vector<std::string> fields() const = 0;
};

// The model's own step when its module defines training_step (ConfigError when a step method's
// signature is not (Dict[str, Tensor]) -> Dict[str, Tensor]), else the default step. `model` must outlive it.
std::unique_ptr<Step> make_step(model::Model& model, const ModelConfig& config, const LossConfig& loss);

}  // namespace trainkit
