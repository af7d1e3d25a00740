// trainkit torch model: the network a session trains, a builtin one (catalogue/models.h) or a TorchScript module.
// Includes LibTorch headers: only runtime/torch/*.cpp may include this file.
//
//   std::unique_ptr<Model> model = make_model(manifest.model, ImageShape{1, 28, 28}, /*classes=*/10);
//   at::Tensor logits = model->forward(images);   // float [B, 1, 28, 28] → [B, classes]
//   model->named_parameters()[0].first;           // "1.weight"
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"

namespace trainkit::model {

struct ImageShape {
  int64_t channels = 1;
  int64_t rows = 28;
  int64_t cols = 28;
};

// Use as the session's one view of a network, whatever built it.
class Model {
 public:
  virtual ~Model() = default;

  // images: float [B, channels, rows, cols] → logits [B, classes].
  virtual at::Tensor forward(const at::Tensor& images) = 0;
  // Train mode (dropout active, batch norm updating its statistics) or eval mode.
  virtual void set_training(bool on) = 0;
  // The parameters in a fixed order under the names Python's named_parameters() gives the same network.
  // The tensors are the live ones: the optimizer updates them in place.
  virtual const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const = 0;
  // The buffers (batch-norm running statistics, ...) likewise: live tensors under their Python names.
  // Parameters and buffers share one namespace, as in a state_dict.
  virtual const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const = 0;
  // "mlp 784-256-10", "cnn 1x28x28 conv3x3 32-64, pool 2, linear 3136-10", "torchscript /path/m.pt".
  virtual std::string describe() const = 0;
};

// Builds the network the manifest asks for; the caller has seeded LibTorch's default generator, which
// the builtin models' initialisation draws from. `classes` is the number of logits a builtin model
// outputs and the least a TorchScript model must output. Throws ConfigError for an unknown builtin,
// bad widths, or a TorchScript file that is missing, unreadable or returns the wrong shape.
std::unique_ptr<Model> make_model(const ModelConfig& config, const ImageShape& input, int64_t classes);

}  // namespace trainkit::model
