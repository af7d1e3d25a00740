#include "torch/model/model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "catalogue/models.h"
#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "torch/place.h"
#include "torch/tensor_state.h"

namespace trainkit::model {
namespace {

// The builtin networks are plain nn::Sequential stacks. Their parameter names ("1.weight", "3.bias")
// are the ones Python's nn.Sequential of the same layers gives, so a state dict saved in the torch format
// loads into that Python twin with load_state_dict.
class SequentialModel final : public Model {
 public:
  SequentialModel(torch::nn::Sequential net, std::string description)
      : net_(std::move(net)), description_(std::move(description)) {
    collect();
  }

  at::Tensor forward(const at::Tensor& input) override { return net_->forward(input); }
  void set_training(bool on) override { net_->train(on); }
  const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const override { return named_; }
  const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const override { return buffers_; }
  void to(const c10::Device& device) override {
    net_->to(device);
    collect();
  }
  std::string describe() const override { return description_; }

 private:
  void collect() {
    named_.clear();
    buffers_.clear();
    for (const auto& item : net_->named_parameters()) named_.emplace_back(item.key(), item.value());
    for (const auto& item : net_->named_buffers()) buffers_.emplace_back(item.key(), item.value());
  }

  torch::nn::Sequential net_;
  std::string description_;
  std::vector<std::pair<std::string, at::Tensor>> named_;
  std::vector<std::pair<std::string, at::Tensor>> buffers_;
};

class ScriptModel final : public Model {
 public:
  ScriptModel(torch::jit::Module module, std::string path) : module_(std::move(module)), path_(std::move(path)) {
    collect();
  }

  at::Tensor forward(const at::Tensor& input) override {
    const c10::IValue out = module_.forward({input});
    TK_CHECK(out.isTensor(), TrainingError, path_, ": forward must return a Tensor, got ", out.tagKind());
    return out.toTensor();
  }
  void set_training(bool on) override { module_.train(on); }
  void to(const c10::Device& device) override {
    module_.to(device);
    collect();
  }
  torch::jit::Module* script_module() override { return &module_; }
  const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const override { return named_; }
  // Read afresh on every call: scripted code may assign a new tensor to a buffer attribute rather than
  // update it in place, and a cached handle would then point at a tensor the module no longer uses.
  const std::vector<std::pair<std::string, at::Tensor>>& named_buffers() const override {
    buffers_.clear();
    for (const auto& item : module_.named_buffers(/*recurse=*/true)) buffers_.emplace_back(item.name, item.value);
    return buffers_;
  }
  std::string describe() const override { return "torchscript " + path_; }

 private:
  void collect() {
    named_.clear();
    for (const auto& item : module_.named_parameters(/*recurse=*/true)) named_.emplace_back(item.name, item.value);
  }

  torch::jit::Module module_;
  std::string path_;
  std::vector<std::pair<std::string, at::Tensor>> named_;
  mutable std::vector<std::pair<std::string, at::Tensor>> buffers_;
};

// The manifest has checked these already; a config built in code (tests) gets the same catalogue bounds.
void check_number(const ModelConfig& config, const std::string& key_name, double value) {
  const catalogue::ModelKey& key = catalogue::model_key(key_name);
  TK_CHECK(key.range.admits(value), ConfigError, place(config.pos), "model.", key.name, " ", key.range.rule(),
           ", got ", value);
}

void check_list(const ModelConfig& config, const std::string& key_name, const std::vector<int64_t>& items) {
  const catalogue::ModelKey& key = catalogue::model_key(key_name);
  TK_CHECK(key.when_empty.empty() || !items.empty(), ConfigError, place(config.pos), "model.", key.name, " ",
           key.when_empty);
  for (int64_t item : items) check_number(config, key_name, static_cast<double>(item));
}

// "float32", "int64": the names Python users read.
std::string type_name(at::ScalarType type) {
  const std::optional<DLDataType> dl = dl::dtype_of(type);
  return dl ? dl::dtype_name(*dl) : std::string(c10::toString(type));
}

int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// What a builtin's last layer outputs per example: one logit per class, or one value per target element.
int64_t builtin_outputs(const ModelIo& io) { return io.classes > 0 ? io.classes : product(io.target); }

void check_builtin_io(const ModelConfig& config, const ModelIo& io) {
  TK_CHECK(at::isFloatingType(io.input_type), ConfigError, place(config.pos), "model.input \"", config.input,
           "\" is ", type_name(io.input_type), "; the builtin models read a float field (a TorchScript model reads any)");
  TK_CHECK(io.classes == 0 || io.target.empty(), ConfigError, place(config.pos), "model.target \"", config.target,
           "\" holds ", c10::IntArrayRef(io.target), " class labels per example; the builtin models predict one ",
           "class per example (a TorchScript model may return logits [B, C, ...])");
}

std::unique_ptr<Model> make_mlp(const ModelConfig& config, const ModelIo& io) {
  check_builtin_io(config, io);
  torch::nn::Sequential net;
  // A scalar input (one number per example) is a batch [B]; flattening from dimension 1 needs [B, 1].
  if (io.input.empty())
    net->push_back(torch::nn::Functional([](at::Tensor x) { return x.unsqueeze(1); }));
  else
    net->push_back(torch::nn::Flatten());
  int64_t width = product(io.input);
  std::ostringstream description;
  description << "mlp " << width;
  check_list(config, "hidden", config.hidden);
  for (int64_t hidden : config.hidden) {
    net->push_back(torch::nn::Linear(width, hidden));
    net->push_back(torch::nn::ReLU());
    if (config.dropout > 0) net->push_back(torch::nn::Dropout(config.dropout));
    width = hidden;
    description << "-" << hidden;
  }
  const int64_t outputs = builtin_outputs(io);
  net->push_back(torch::nn::Linear(width, outputs));
  description << "-" << outputs;
  if (config.dropout > 0) description << " dropout " << config.dropout;
  return std::make_unique<SequentialModel>(std::move(net), description.str());
}

// 3x3 convolutions that keep the size, each followed by ReLU and a 2x2 max-pool that halves it.
std::unique_ptr<Model> make_cnn(const ModelConfig& config, const ModelIo& io) {
  check_builtin_io(config, io);
  check_list(config, "channels", config.channels);
  TK_CHECK(io.input.size() == 3, ConfigError, place(config.pos), "model.builtin \"cnn\" reads images [C, H, W], but ",
           "model.input \"", config.input, "\" is ", c10::IntArrayRef(io.input), " per example");
  torch::nn::Sequential net;
  int64_t channels = io.input[0], rows = io.input[1], cols = io.input[2];
  std::ostringstream description;
  description << "cnn " << channels << "x" << rows << "x" << cols << " conv3x3 ";
  for (size_t i = 0; i < config.channels.size(); ++i) {
    const int64_t out = config.channels[i];
    TK_CHECK(rows >= 2 && cols >= 2, ConfigError, place(config.pos), "model.channels has ", config.channels.size(),
             " conv layers, but ", io.input[1], "x", io.input[2], " images are pooled down to nothing after ", i);
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
  const int64_t outputs = builtin_outputs(io);
  net->push_back(torch::nn::Linear(features, outputs));
  description << ", pool 2, linear " << features << "-" << outputs;
  if (config.dropout > 0) description << " dropout " << config.dropout;
  return std::make_unique<SequentialModel>(std::move(net), description.str());
}

// "[2, C] with C >= 10 classes", "[2, C, 32, 32] with C >= 3 classes", "[2, 3] (or another shape of 6 elements)".
std::string expected_output(const ModelIo& io, int64_t batch) {
  if (io.classes > 0) {
    std::ostringstream out;
    out << "logits [" << batch << ", C";
    for (int64_t d : io.target) out << ", " << d;
    out << "] with C >= " << io.classes << " classes";
    return out.str();
  }
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), io.target.begin(), io.target.end());
  return str_cat("an output ", c10::IntArrayRef(shape), " (or another shape of ", batch * product(io.target),
                 " elements)");
}

// Two classes may also be one logit per example (a binary target, Note [Targets of a loss] in loss.h).
bool output_fits(const at::Tensor& out, const ModelIo& io, int64_t batch) {
  if (out.dim() < 1 || out.size(0) != batch) return false;
  const bool one_per_target_element = out.numel() == batch * product(io.target);
  if (io.classes == 0 || (io.classes <= 2 && one_per_target_element)) return one_per_target_element;
  const std::vector<int64_t> rest(out.sizes().begin() + std::min<int64_t>(2, out.dim()), out.sizes().end());
  return out.dim() == 2 + static_cast<int64_t>(io.target.size()) && out.size(1) >= io.classes && rest == io.target;
}

std::unique_ptr<Model> load_script(const ModelConfig& config, const std::function<ModelIo()>& model_io) {
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
  // A module with its own training_step is trained through it (torch/step.h), not through forward.
  if (has_training_step(*model->script_module())) return model;
  ModelIo io;
  try {
    io = model_io();
  } catch (const ConfigError& e) {
    throw ConfigError(str_cat(e.what(), "; ", path, " has no training_step (TorchScript compiles only forward and ",
                              "what it calls: mark a training_step with @torch.jit.export)"));
  }

  // Probe the forward once in eval mode (no dropout draws, no batch-norm statistics updated), so a model
  // with the wrong input or output shape fails before training instead of at the first step.
  constexpr int64_t kProbe = 2;
  std::vector<int64_t> probe_shape{kProbe};
  probe_shape.insert(probe_shape.end(), io.input.begin(), io.input.end());
  torch::NoGradGuard no_grad;
  model->set_training(false);
  c10::IValue out;
  try {
    out = model->script_module()->forward({torch::zeros(probe_shape, at::TensorOptions().dtype(io.input_type))});
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(path, ": forward fails on a ", type_name(io.input_type), " batch of shape ",
                              c10::IntArrayRef(probe_shape), ": ", e.what_without_backtrace()));
  }
  model->set_training(true);
  TK_CHECK(out.isTensor(), ConfigError, path, ": forward must return a Tensor, got ", out.tagKind(),
           " (or define training_step to compute the loss yourself)");
  const at::Tensor output = out.toTensor();
  TK_CHECK(output_fits(output, io, kProbe), ConfigError, path, ": forward returned shape ", output.sizes(),
           " for a batch of shape ", c10::IntArrayRef(probe_shape), "; expected ", expected_output(io, kProbe));
  return model;
}

// The construction of each builtin of the catalogue. A builtin in the catalogue without a row here fails
// tests/unit/catalogue and, at run time, an internal assert.
using MakeBuiltin = std::unique_ptr<Model> (*)(const ModelConfig&, const ModelIo&);

MakeBuiltin builtin_maker(const std::string& name) {
  static const std::vector<std::pair<std::string, MakeBuiltin>> makers = {{"mlp", make_mlp}, {"cnn", make_cnn}};
  const auto it = std::find_if(makers.begin(), makers.end(), [&](const auto& m) { return m.first == name; });
  TK_INTERNAL_ASSERT(it != makers.end());
  return it->second;
}

}  // namespace

std::unique_ptr<Model> make_model(const ModelConfig& config, const std::function<ModelIo()>& io) {
  check_number(config, "dropout", config.dropout);
  if (!config.torchscript.empty()) return load_script(config, io);
  const std::vector<std::string> names = catalogue::builtin_model_names();
  TK_CHECK(catalogue::find_builtin_model(config.builtin) != nullptr, ConfigError, place(config.pos),
           "model.builtin \"", config.builtin, "\" is not a builtin model (expected one of ", name_list(names, Quoted::kYes),
           ", or set model.torchscript)", did_you_mean(config.builtin, names));
  return builtin_maker(config.builtin)(config, io());
}

bool has_training_step(const torch::jit::Module& module) { return module.find_method("training_step").has_value(); }

}  // namespace trainkit::model
