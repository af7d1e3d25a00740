// A Session without LibTorch or data, for driving the trainer loop in unit tests.
//
//   auto session = std::make_unique<FakeSession>(/*iterations_per_epoch=*/4);
//   session->fail_at_step = 3;   // the third step throws, as a diverging model would
//
// Each step reports main/loss = 1 / step; its state is the step count (updater/steps) and one model
// weight (model/w = the step count), so a resumed run shows where it continued from.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "state/visitor.h"
#include "torch/session.h"

namespace trainkit {

class FakeSession final : public Session {
 public:
  explicit FakeSession(int64_t iterations_per_epoch) : iterations_per_epoch_(iterations_per_epoch) {}

  int64_t fail_at_step = -1;  // the step (1-based) that throws; -1: none
  int64_t steps = 0;
  double weight = 0;

  int64_t iterations_per_epoch() const override { return iterations_per_epoch_; }
  int64_t train_size() const override { return iterations_per_epoch_ * 8; }
  void step(Observation& observation) override {
    if (steps + 1 == fail_at_step) throw std::runtime_error("step failed as told");
    ++steps;
    weight = static_cast<double>(steps);
    observation.report("main/loss", 1.0 / static_cast<double>(steps));
  }
  void evaluate(const std::string&, const std::string& prefix, Observation& observation) override {
    observation.report(prefix + "/main/loss", 0.5);
  }
  std::string optimizer_name() const override { return "fake"; }
  size_t param_group_count() const override { return 1; }
  std::optional<double> hyperparameter(size_t group, const std::string& name) const override {
    if (group == 0 && name == "lr") return lr_;
    return std::nullopt;
  }
  bool set_hyperparameter(size_t group, const std::string& name, double value) override {
    if (group != 0 || name != "lr") return false;
    lr_ = value;
    return true;
  }
  size_t parameter_count() const override { return 0; }
  bool parameter(size_t, const char**, DLTensor*) override { return false; }
  bool gradient(size_t, DLTensor*) override { return false; }
  void visit_parts(state::Visitor& v, const SessionParts& parts) override {
    if (parts.model) v.scope("model", [&] { v.value("w", weight); });
    if (parts.optimizer) v.scope("optimizer", [&] { v.value("lr", lr_); });
    if (parts.updater) v.scope("updater", [&] { v.value("steps", steps); });
  }
  std::string init_model_from(const state::MemoryTree& tree, bool) override {
    const double* w = state::find_leaf<double>(tree, "model/w");
    if (w == nullptr) throw std::runtime_error("no model/w");
    weight = *w;
    return "loaded 1 of 1 tensors";
  }
  std::string describe() const override { return "fake session"; }

 private:
  int64_t iterations_per_epoch_;
  double lr_ = 0.1;
};

}  // namespace trainkit
