// trainkit torch model: the network a session trains, a builtin one (catalogue/models.h) or a TorchScript module.
// Includes LibTorch headers: only runtime/torch/*.cpp may include this file.
//
//   ModelIo io;                                   // what model.input holds and what model.target needs
//   io.input = {1, 28, 28};  io.classes = 10;
//   std::unique_ptr<Model> model = make_model(manifest.model, [&] { return io; });
//   at::Tensor logits = model->forward(images);   // float [B, 1, 28, 28] → [B, 10]
//   model->named_parameters()[0].first;           // "1.weight"
//   model->to(at::Device("cuda:0"));              // parameters, buffers and the handles above move
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"

namespace torch::jit {
struct Module;
}

namespace trainkit::model {

// What a forward-only model is given and must return, per example (the batch dimension left out).
struct ModelIo {
  std::vector<int64_t> input = {1, 28, 28};  // one example of model.input
  at::ScalarType input_type = at::kFloat;
  // A class target: a builtin ends with this many outputs, a TorchScript forward returns [B, C >= classes].
  // 0: a value target, and the output holds as many elements per example as `target` ([B, 1] for a
  // scalar target).
  int64_t classes = 10;
  std::vector<int64_t> target;
};

// Use as the session's one view of a network, whatever built it.
class Model {
 public:
  virtual ~Model() = default;

  // One batch of model.input → the output the loss reads.
  virtual at::Tensor forward(const at::Tensor& input) = 0;
  // Train mode (dropout active, batch norm updating its statistics) or eval mode.
  virtual void set_training(bool on) = 0;
  // The parameters in a fixed order under the names Python's named_parameters() gives the same network.
  // The tensors are the live ones: the optimizer updates them in place.
  virtual const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const = 0;
  // The buffers (batch-norm running statistics, ...) likewise: live tensors under their Python names.
  // Parameters and buffers share one namespace, as in a state_dict.
  virtual const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const = 0;
  // Moves every parameter and buffer to `device`; named_parameters() then holds the moved tensors.
  virtual void to(const c10::Device& device) = 0;
  // The TorchScript module, whose methods (training_step, ...) a step may call; nullptr for a builtin.
  virtual torch::jit::Module* script_module() { return nullptr; }
  // "mlp 784-256-10", "cnn 1x28x28 conv3x3 32-64, pool 2, linear 3136-10", "torchscript /path/m.pt".
  virtual std::string describe() const = 0;
};

// Builds the network the manifest asks for; the caller has seeded LibTorch's default generator, which
// the builtin models' initialisation draws from. Throws ConfigError for an unknown builtin, bad widths, an
// input a builtin cannot read, or a TorchScript file that is missing or unreadable, or whose forward
// fails on a probe batch or returns an output that does not fit `io`. `io` is asked only when a forward
// is used: a module with its own training_step (torch/step.h) reads the batch by itself, so model.input
// and model.target need not be fields of the data (io may throw ConfigError when they are not).
std::unique_ptr<Model> make_model(const ModelConfig& config, const std::function<ModelIo()>& io);

// True when a TorchScript module defines `training_step`.
bool has_training_step(const torch::jit::Module& module);

}  // namespace trainkit::model
