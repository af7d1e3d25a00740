// trainkit torch: scopes that set process-wide LibTorch state for the duration of one session call.
//
//   DefaultGeneratorScope rng(session_generator_state);   // dropout draws from the session's own stream
//   EvalModeScope eval(model);                             // inference mode until the scope ends
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Tensor.h>

#include <mutex>

#include "torch/model/model.h"

namespace trainkit {

// Note [Each session owns its default-generator state]
// Dropout, and any randomness inside a TorchScript model, draws from LibTorch's process-wide default CPU
// generator, and the builtin models initialise from it. The session keeps its own copy of that
// generator's state and swaps it in for the duration of each call that may draw from it. So two
// sessions in one process (tests, a future second model) never perturb each other, and the state is an
// explicit member that a snapshot can save and restore next to the epoch order's generator.
class DefaultGeneratorScope {
 public:
  explicit DefaultGeneratorScope(at::Tensor& state) : state_(state), gen_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    outside_ = gen_.get_state();
    gen_.set_state(state_);
  }
  ~DefaultGeneratorScope() {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    state_ = gen_.get_state();
    gen_.set_state(outside_);
  }
  DefaultGeneratorScope(const DefaultGeneratorScope&) = delete;
  DefaultGeneratorScope& operator=(const DefaultGeneratorScope&) = delete;

 private:
  at::Tensor& state_;
  at::Generator gen_;
  at::Tensor outside_;
};

// Evaluation switches dropout and batch norm to inference; training resumes in train mode even when
// the evaluation throws.
class EvalModeScope {
 public:
  explicit EvalModeScope(model::Model& model) : model_(model) { model_.set_training(false); }
  ~EvalModeScope() { model_.set_training(true); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  model::Model& model_;
};

}  // namespace trainkit
