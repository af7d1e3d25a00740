// trainkit torch: the manifest's [loss] on a model's outputs, and the accuracy reported next to it.
//
//   Loss loss(manifest.loss);                          // ConfigError for a name the catalogue lacks
//   at::Tensor value = loss(output, target);           // the mean over the batch
//   std::optional<double> right = loss.accuracy(output, target);  // nullopt for a regression target
//
// Note [Targets of a loss]
// A *class target* is an integer tensor with one dimension fewer than the output, the output's dimension 1
// being the classes: [B] against logits [B, C] (or [B, d...] against [B, C, d...]), C >= 2. Any other
// target holds values ([B] of 0/1 against [B, 1] is a binary target for bce_with_logits).
// - cross_entropy: class targets, or float class probabilities of the output's shape; label_smoothing.
// - nll: class targets; log_softmax is applied to the output first, so the model may return logits or
//   log-probabilities (log_softmax leaves log-probabilities unchanged).
// - mse, l1, smooth_l1 (beta), bce_with_logits: a target of the output's shape, compared in the output's
//   dtype. An output that differs from the target only in how its elements are shaped, with the same batch
//   dimension ([B, 1] against [B]), is reshaped to it; other shapes are an error, never broadcast. A class
//   target is one-hot encoded first (what mse has always done with labels).
// accuracy: with a class target, the share of elements whose largest output is the target; with
// bce_with_logits and any other target, the share whose output is > 0 (sigmoid > 0.5) exactly where the
// target is > 0.5; otherwise there is none (a regression has no accuracy).
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

#include "manifest/manifest.h"

namespace trainkit {

// Use as the default step's loss: a model's raw outputs and the target field in, a scalar mean out.
class Loss {
 public:
  explicit Loss(const LossConfig& config);
  // TrainingError for a target that does not fit the output (Note [Targets of a loss]).
  at::Tensor operator()(const at::Tensor& output, const at::Tensor& target) const;
  std::optional<double> accuracy(const at::Tensor& output, const at::Tensor& target) const;
  const std::string& name() const { return name_; }

 private:
  enum class Kind { kCrossEntropy, kNll, kMse, kL1, kSmoothL1, kBceWithLogits };
  // The target as the output's dtype and shape, for the losses that compare elementwise.
  at::Tensor elementwise_target(at::Tensor& output, const at::Tensor& target) const;

  Kind kind_;
  std::string name_;
  double label_smoothing_;
  double beta_;
};

}  // namespace trainkit
