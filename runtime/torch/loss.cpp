#include "torch/loss.h"

#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "catalogue/losses.h"
#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "torch/place.h"

namespace trainkit {
namespace {

// One output per example ([B, 1] against integer labels [B]) is a binary prediction, not a single class.
bool is_class_target(const at::Tensor& output, const at::Tensor& target) {
  return at::isIntegralType(target.scalar_type(), /*includeBool=*/false) && output.dim() == target.dim() + 1 &&
         output.dim() >= 2 && output.size(1) >= 2;
}

std::string shape_of(const at::Tensor& t) { return str_cat(t.scalar_type(), " ", t.sizes()); }

}  // namespace

// catalogue/losses.h names the losses; a name there without a row here is an internal assert (and fails
// tests/unit/catalogue).
Loss::Loss(const LossConfig& config)
    : name_(config.name), label_smoothing_(config.label_smoothing), beta_(config.beta) {
  const std::vector<std::string> names = catalogue::loss_names();
  TK_CHECK(catalogue::is_loss(config.name), ConfigError, place(config.pos), "loss.name \"", config.name,
           "\" is not one of ", name_list(names), did_you_mean(config.name, names));
  for (const catalogue::LossKey* key : catalogue::find_loss(config.name)->keys)
    TK_CHECK(key->range.admits(config.*key->field), ConfigError, place(config.pos), "loss.", key->name, " ",
             key->range.rule(), ", got ", config.*key->field);
  static const std::vector<std::pair<std::string, Kind>> kinds = {
      {"cross_entropy", Kind::kCrossEntropy}, {"nll", Kind::kNll}, {"mse", Kind::kMse}, {"l1", Kind::kL1},
      {"smooth_l1", Kind::kSmoothL1}, {"bce_with_logits", Kind::kBceWithLogits}};
  const auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == config.name; });
  TK_INTERNAL_ASSERT(it != kinds.end());
  kind_ = it->second;
}

at::Tensor Loss::elementwise_target(at::Tensor& output, const at::Tensor& target) const {
  if (is_class_target(output, target))
    return torch::nn::functional::one_hot(target, output.size(1)).movedim(-1, 1).to(output.scalar_type());
  if (!output.sizes().equals(target.sizes())) {
    TK_CHECK(output.dim() >= 1 && target.dim() >= 1 && output.size(0) == target.size(0) &&
                 output.numel() == target.numel(),
             TrainingError, "loss ", name_, ": the model's output is ", shape_of(output), " but the target is ",
             shape_of(target), "; ", name_, " needs a target of the output's shape (or class labels with one ",
             "dimension fewer)");
    output = output.reshape(target.sizes());
  }
  return target.to(output.scalar_type());
}

at::Tensor Loss::operator()(const at::Tensor& output, const at::Tensor& target) const {
  namespace F = torch::nn::functional;
  at::Tensor out = output;
  switch (kind_) {
    case Kind::kCrossEntropy:
      return F::cross_entropy(out, target, F::CrossEntropyFuncOptions().label_smoothing(label_smoothing_));
    case Kind::kNll:
      return F::nll_loss(torch::log_softmax(out, 1), target);
    case Kind::kMse: {
      const at::Tensor t = elementwise_target(out, target);
      return F::mse_loss(out, t);
    }
    case Kind::kL1: {
      const at::Tensor t = elementwise_target(out, target);
      return F::l1_loss(out, t);
    }
    case Kind::kSmoothL1: {
      const at::Tensor t = elementwise_target(out, target);
      return F::smooth_l1_loss(out, t, F::SmoothL1LossFuncOptions(), beta_);
    }
    case Kind::kBceWithLogits: {
      const at::Tensor t = elementwise_target(out, target);
      return F::binary_cross_entropy_with_logits(out, t);
    }
  }
  TK_INTERNAL_ASSERT(false);
}

std::optional<double> Loss::accuracy(const at::Tensor& output, const at::Tensor& target) const {
  const at::Tensor out = output.detach();
  if (is_class_target(out, target)) {
    const int64_t right = out.argmax(1).eq(target).sum().item<int64_t>();
    return static_cast<double>(right) / static_cast<double>(target.numel());
  }
  if (kind_ != Kind::kBceWithLogits || out.numel() != target.numel() || target.numel() == 0) return std::nullopt;
  const at::Tensor said = out.reshape(target.sizes()).gt(0);
  const int64_t right = said.eq(target.gt(0.5)).sum().item<int64_t>();
  return static_cast<double>(right) / static_cast<double>(target.numel());
}

}  // namespace trainkit
