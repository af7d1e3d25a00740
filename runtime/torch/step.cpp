#include "torch/step.h"

#include <torch/script.h>
#include <torch/torch.h>

#include "core/error.h"
#include "torch/loss.h"

namespace trainkit {
namespace {

// Forward of one field, [loss] against another (Note [Targets of a loss], loss.h).
class DefaultStep final : public Step {
 public:
  DefaultStep(model::Model& model, const ModelConfig& config, const LossConfig& loss)
      : model_(model), loss_(loss), input_(config.input), target_(config.target) {}

  StepOutput train(const Batch& batch) override { return run(batch); }
  StepOutput validate(const Batch& batch) override { return run(batch); }
  std::string describe() const override {
    if (input_ == "image" && target_ == "label") return loss_.name() + " loss";
    return str_cat(loss_.name(), " loss of ", input_, " against ", target_);
  }
  std::vector<std::string> fields() const override { return {input_, target_}; }

 private:
  StepOutput run(const Batch& batch) {
    const at::Tensor& target = batch.at(target_);
    const at::Tensor output = model_.forward(batch.at(input_));
    StepOutput out;
    out.loss = loss_(output, target);
    out.values.emplace_back("loss", out.loss.item<double>());
    if (std::optional<double> accuracy = loss_.accuracy(output, target)) out.values.emplace_back("accuracy", *accuracy);
    return out;
  }

  model::Model& model_;
  Loss loss_;
  std::string input_;
  std::string target_;
};

const char* const kStepSignature = "(Dict[str, Tensor]) -> Dict[str, Tensor]";

// ConfigError unless `method` takes the batch dict and returns a dict of tensors.
void check_signature(const torch::jit::Method& method, const std::string& path) {
  const c10::FunctionSchema& schema = method.function().getSchema();
  auto is_batch_dict = [](const c10::TypePtr& type) { return type->annotation_str() == "Dict[str, Tensor]"; };
  const bool ok = schema.arguments().size() == 2 && is_batch_dict(schema.arguments()[1].type()) &&
                  schema.returns().size() == 1 && is_batch_dict(schema.returns()[0].type());
  TK_CHECK(ok, ConfigError, path, ": ", method.name(), " must be ", kStepSignature, ", it is ", schema);
}

// Note [A model's own step] (step.h).
class ScriptStep final : public Step {
 public:
  ScriptStep(torch::jit::Module& module, std::string path) : module_(module), path_(std::move(path)) {
    check_signature(module_.get_method("training_step"), path_);
    if (module_.find_method("validation_step")) {
      check_signature(module_.get_method("validation_step"), path_);
      validation_method_ = "validation_step";
    }
  }

  StepOutput train(const Batch& batch) override { return call("training_step", batch, /*training=*/true); }
  StepOutput validate(const Batch& batch) override { return call(validation_method_, batch, /*training=*/false); }
  std::string describe() const override { return "the model's training_step"; }
  std::vector<std::string> fields() const override { return {}; }

 private:
  StepOutput call(const std::string& method, const Batch& batch, bool training) {
    c10::Dict<std::string, at::Tensor> fields;
    for (const auto& [name, tensor] : batch.fields) fields.insert(name, tensor);
    const c10::IValue result = module_.get_method(method)({fields});
    StepOutput out;
    for (const auto& entry : result.toGenericDict()) {
      const std::string key = entry.key().toStringRef();
      const at::Tensor value = entry.value().toTensor();
      if (key == "loss") {
        TK_CHECK(value.numel() == 1 && at::isFloatingType(value.scalar_type()), TrainingError, path_, ": ", method,
                 " returned \"loss\" of ", value.scalar_type(), " ", value.sizes(), "; expected a float scalar");
        TK_CHECK(!training || value.requires_grad(), TrainingError, path_, ": ", method,
                 " returned a \"loss\" that depends on no parameter (it does not require grad)");
        out.loss = value.reshape({});
        out.values.insert(out.values.begin(), {key, value.item<double>()});
      } else if (value.numel() == 1) {
        out.values.emplace_back(key, value.item<double>());
      }
    }
    TK_CHECK(out.loss.defined(), TrainingError, path_, ": ", method, " must return a dict with a \"loss\" entry; it has ",
             key_list(result));
    return out;
  }

  static std::string key_list(const c10::IValue& dict) {
    std::string keys;
    for (const auto& entry : dict.toGenericDict()) keys += (keys.empty() ? "" : ", ") + entry.key().toStringRef();
    return keys.empty() ? "no entries" : keys;
  }

  torch::jit::Module& module_;
  std::string path_;
  std::string validation_method_ = "training_step";
};

}  // namespace

std::unique_ptr<Step> make_step(model::Model& model, const ModelConfig& config, const LossConfig& loss) {
  torch::jit::Module* module = model.script_module();
  if (module != nullptr && model::has_training_step(*module)) return std::make_unique<ScriptStep>(*module, config.torchscript);
  return std::make_unique<DefaultStep>(model, config, loss);
}

}  // namespace trainkit
