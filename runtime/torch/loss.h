// trainkit torch: the manifest's [loss] on a model's outputs, and the accuracy reported next to it.
//
//   Loss loss(manifest.loss);                        // ConfigError for a name the catalogue lacks
//   at::Tensor value = loss(logits, labels);         // the mean over the batch
//   int64_t right = count_correct(logits, labels);   // for main/accuracy
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "manifest/manifest.h"

namespace trainkit {

// Use as the default step's loss: a model's raw outputs and the target field in, a scalar mean out.
class Loss {
 public:
  explicit Loss(const LossConfig& config);
  at::Tensor operator()(const at::Tensor& logits, const at::Tensor& labels) const;
  const std::string& name() const { return name_; }

 private:
  enum class Kind { kCrossEntropy, kNll, kMse };
  Kind kind_;
  std::string name_;
};

// Examples whose largest logit is their label.
int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels);

}  // namespace trainkit
