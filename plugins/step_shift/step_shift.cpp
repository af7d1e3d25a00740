// step_shift: Chainer's StepShift. After t calls the hyperparameter is init * gamma^floor(t / step); with a
// target, it stops there once it passes it (in the direction gamma takes it).
//
// step must be >= 1 (Chainer divides by it); gamma must be >= 0 and target non-zero (Chainer does not
// check: a negative gamma flips the sign at every step, and a zero target fails its first call).
#include <cmath>
#include <optional>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class StepShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("step_shift", "multiplies an optimizer hyperparameter by gamma every step calls (Chainer's StepShift)",
                      {tk::option::required(tk::option::real("gamma", nullptr, "factor applied every step calls (>= 0)")),
                       tk::option::required(tk::option::integer("step", nullptr, "calls between two multiplications (>= 1)")),
                       init_option(), target_option()});
  }

  StepShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), gamma_(cfg.get_float("gamma")), step_(cfg.get_int("step")),
        target_(cfg.find_float("target")) {
    if (!(gamma_ >= 0) || !std::isfinite(gamma_)) throw tk::Error(TK_ERR_INVALID, "gamma must be >= 0, got ", gamma_);
    if (step_ < 1) throw tk::Error(TK_ERR_INVALID, "step must be >= 1, got ", step_);
    check_target(target_);
  }

 private:
  double value_at(int64_t t) const override {
    double steps = std::floor(static_cast<double>(t) / static_cast<double>(step_));
    return stop_at_target(init() * std::pow(gamma_, steps), target_, gamma_ > 1);
  }

  double gamma_;
  int64_t step_;
  std::optional<double> target_;
};

}  // namespace

TK_PLUGIN("org.trainkit.step_shift", "1.0.0", "Chainer's StepShift: init * gamma^floor(t / step)", StepShift)
