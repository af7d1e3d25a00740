#include "torch/loss.h"

#include <torch/torch.h>

#include "catalogue/losses.h"
#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "torch/place.h"

namespace trainkit {

// catalogue/losses.h names the losses; a name there without a case here is an internal assert (and fails
// tests/unit/catalogue).
Loss::Loss(const LossConfig& config) : name_(config.name) {
  const std::vector<std::string>& names = catalogue::loss_names();
  TK_CHECK(catalogue::is_loss(config.name), ConfigError, place(config.pos), "loss.name \"", config.name,
           "\" is not one of ", name_list(names), did_you_mean(config.name, names));
  if (config.name == "cross_entropy") {
    kind_ = Kind::kCrossEntropy;
  } else if (config.name == "nll") {
    kind_ = Kind::kNll;
  } else {
    TK_INTERNAL_ASSERT(config.name == "mse");
    kind_ = Kind::kMse;
  }
}

// The mean over the batch; logits are the model's raw outputs in every case.
at::Tensor Loss::operator()(const at::Tensor& logits, const at::Tensor& labels) const {
  namespace F = torch::nn::functional;
  switch (kind_) {
    case Kind::kCrossEntropy:
      return F::cross_entropy(logits, labels);
    case Kind::kNll:
      return F::nll_loss(torch::log_softmax(logits, 1), labels);
    case Kind::kMse:
      return F::mse_loss(logits, F::one_hot(labels, logits.size(1)).to(logits.scalar_type()));
  }
  TK_INTERNAL_ASSERT(false);
}

int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels) {
  return logits.detach().argmax(1).eq(labels).sum().item<int64_t>();
}

}  // namespace trainkit
