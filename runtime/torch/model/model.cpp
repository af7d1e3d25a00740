#include "torch/model/model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "torch/place.h"

namespace trainkit::model {
namespace {

// The builtin networks are plain nn::Sequential stacks. Their parameter names ("1.weight", "3.bias")
// are the ones Python's nn.Sequential of the same layers gives, so a state dict saved in the torch format
// loads into that Python twin with load_state_dict.
class SequentialModel final : public Model {
 public:
  SequentialModel(torch::nn::Sequential net, std::string description)
      : net_(std::move(net)), description_(std::move(description)) {
    for (const auto& item : net_->named_parameters()) named_.emplace_back(item.key(), item.value());
    for (const auto& item : net_->named_buffers()) buffers_.emplace_back(item.key(), item.value());
  }

  at::Tensor forward(const at::Tensor& images) override { return net_->forward(images); }
  void set_training(bool on) override { net_->train(on); }
  const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const override { return named_; }
  const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const override { return buffers_; }
  std::string describe() const override { return description_; }

 private:
  torch::nn::Sequential net_;
  std::string description_;
  std::vector<std::pair<std::string, at::Tensor>> named_;
  std::vector<std::pair<std::string, at::Tensor>> buffers_;
};

class ScriptModel final : public Model {
 public:
  ScriptModel(torch::jit::Module module, std::string path) : module_(std::move(module)), path_(std::move(path)) {
    for (const auto& item : module_.named_parameters(/*recurse=*/true)) named_.emplace_back(item.name, item.value);
  }

  at::Tensor forward(const at::Tensor& images) override { return module_.forward({images}).toTensor(); }
  void set_training(bool on) override { module_.train(on); }
  const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const override { return named_; }
  // Read afresh on every call: scripted code may assign a new tensor to a buffer attribute rather than
  // update it in place, and a cached handle would then point at a tensor the module no longer uses.
  const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const override {
    buffers_.clear();
    for (const auto& item : module_.named_buffers(/*recurse=*/true)) buffers_.emplace_back(item.name, item.value);
    return buffers_;
  }
  std::string describe() const override { return "torchscript " + path_; }

  torch::jit::Module& module() { return module_; }

 private:
  torch::jit::Module module_;
  std::string path_;
  std::vector<std::pair<std::string, at::Tensor>> named_;
  mutable std::vector<std::pair<std::string, at::Tensor>> buffers_;
};

std::unique_ptr<Model> make_mlp(const ModelConfig& config, const ImageShape& input, int64_t classes) {
  torch::nn::Sequential net;
  net->push_back(torch::nn::Flatten());
  int64_t width = input.channels * input.rows * input.cols;
  std::ostringstream description;
  description << "mlp " << width;
  for (int64_t hidden : config.hidden) {
    TK_CHECK(hidden > 0, ConfigError, place(config.pos), "model.hidden widths must be > 0, got ", hidden);
    net->push_back(torch::nn::Linear(width, hidden));
    net->push_back(torch::nn::ReLU());
    if (config.dropout > 0) net->push_back(torch::nn::Dropout(config.dropout));
    width = hidden;
    description << "-" << hidden;
  }
  net->push_back(torch::nn::Linear(width, classes));
  description << "-" << classes;
  if (config.dropout > 0) description << " dropout " << config.dropout;
  return std::make_unique<SequentialModel>(std::move(net), description.str());
}

// 3x3 convolutions that keep the size, each followed by ReLU and a 2x2 max-pool that halves it.
std::unique_ptr<Model> make_cnn(const ModelConfig& config, const ImageShape& input, int64_t classes) {
  TK_CHECK(!config.channels.empty(), ConfigError, place(config.pos), "model.channels must name at least one conv layer");
  torch::nn::Sequential net;
  int64_t channels = input.channels, rows = input.rows, cols = input.cols;
  std::ostringstream description;
  description << "cnn " << channels << "x" << rows << "x" << cols << " conv3x3 ";
  for (size_t i = 0; i < config.channels.size(); ++i) {
    const int64_t out = config.channels[i];
    TK_CHECK(out > 0, ConfigError, place(config.pos), "model.channels must be > 0, got ", out);
    TK_CHECK(rows >= 2 && cols >= 2, ConfigError, place(config.pos), "model.channels has ", config.channels.size(),
             " conv layers, but ", input.rows, "x", input.cols, " images are pooled down to nothing after ", i);
    net->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out, 3).padding(1)));
    net->push_back(torch::nn::ReLU());
    net->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
    channels = out;
    rows /= 2;
    cols /= 2;
    description << (i ? "-" : "") << out;
  }
  net->push_back(torch::nn::Flatten());
  if (config.dropout > 0) net->push_back(torch::nn::Dropout(config.dropout));
  const int64_t features = channels * rows * cols;
  net->push_back(torch::nn::Linear(features, classes));
  description << ", pool 2, linear " << features << "-" << classes;
  if (config.dropout > 0) description << " dropout " << config.dropout;
  return std::make_unique<SequentialModel>(std::move(net), description.str());
}

std::unique_ptr<Model> load_script(const ModelConfig& config, const ImageShape& input, int64_t classes) {
  const std::string& path = config.torchscript;
  std::error_code ec;
  TK_CHECK(std::filesystem::is_regular_file(path, ec), ConfigError, place(config.pos),
           "model.torchscript: file not found: ", path);
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(path, ": cannot load as a TorchScript module (save it from Python with ",
                              "torch.jit.script(model).save(path)): ", e.what_without_backtrace()));
  }
  auto model = std::make_unique<ScriptModel>(std::move(module), path);
  TK_CHECK(!model->named_parameters().empty(), ConfigError, path, ": the TorchScript module has no parameters to train");
  for (const auto& kv : model->named_parameters())
    TK_CHECK(kv.second.scalar_type() == at::kFloat, ConfigError, path, ": parameter ", kv.first, " is ",
             kv.second.scalar_type(), "; trainkit trains float32 (call model.float() before scripting)");

  // Probe the forward once in eval mode (no dropout draws, no batch-norm statistics updated), so a model
  // with the wrong input or output shape fails before training instead of at the first step.
  const std::vector<int64_t> probe_shape{2, input.channels, input.rows, input.cols};
  torch::NoGradGuard no_grad;
  model->set_training(false);
  c10::IValue out;
  try {
    out = model->module().forward({torch::zeros(probe_shape)});
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(path, ": forward fails on a float batch of shape ", c10::IntArrayRef(probe_shape), ": ",
                              e.what_without_backtrace()));
  }
  model->set_training(true);
  TK_CHECK(out.isTensor(), ConfigError, path, ": forward must return a Tensor of logits, got ", out.tagKind());
  const at::Tensor logits = out.toTensor();
  TK_CHECK(logits.dim() == 2 && logits.size(0) == 2 && logits.size(1) >= classes, ConfigError, path,
           ": forward returned shape ", logits.sizes(), " for a batch of shape ", c10::IntArrayRef(probe_shape),
           "; expected logits [2, C] with C >= ", classes, " classes");
  return model;
}

}  // namespace

std::unique_ptr<Model> make_model(const ModelConfig& config, const ImageShape& input, int64_t classes) {
  TK_CHECK(config.dropout >= 0 && config.dropout < 1, ConfigError, place(config.pos),
           "model.dropout must be in [0, 1), got ", config.dropout);
  if (!config.torchscript.empty()) return load_script(config, input, classes);
  if (config.builtin == "mlp") return make_mlp(config, input, classes);
  if (config.builtin == "cnn") return make_cnn(config, input, classes);
  throw ConfigError(str_cat(place(config.pos), "model.builtin \"", config.builtin,
                            "\" is not a builtin model (expected \"mlp\" or \"cnn\", or set model.torchscript)"));
}

}  // namespace trainkit::model
