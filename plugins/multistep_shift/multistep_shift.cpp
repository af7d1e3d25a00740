// multistep_shift: Chainer's MultistepShift. After t calls the hyperparameter is init * gamma^k, where k is
// the number of step values <= t.
//
// Chainer moves k up by at most one per call; with step values that are strictly increasing and >= 1 (which
// this class requires) that is the same as counting the values reached, and counting needs no state of its
// own, so t alone resumes it. gamma must be >= 0. Chainer saves only t; the common "last_value" and "init"
// are saved too (tk::Shift).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class MultistepShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("multistep_shift",
                      "multiplies an optimizer hyperparameter by gamma at given call counts (Chainer's MultistepShift)",
                      {tk::option::required(tk::option::real("gamma", nullptr, "factor applied at each step value (>= 0)")),
                       tk::option::required(tk::option::integer_list(
                           "step_value", nullptr, "call counts at which gamma is applied, increasing, each >= 1")),
                       init_option()});
  }

  MultistepShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), gamma_(cfg.get_float("gamma")), steps_(cfg.get_int_list("step_value")) {
    if (!(gamma_ >= 0) || !std::isfinite(gamma_)) throw tk::Error(TK_ERR_INVALID, "gamma must be >= 0, got ", gamma_);
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i] < 1) throw tk::Error(TK_ERR_INVALID, "step_value entries must be >= 1, got ", steps_[i]);
      if (i > 0 && steps_[i] <= steps_[i - 1])
        throw tk::Error(TK_ERR_INVALID, "step_value must be strictly increasing, got ", steps_[i - 1], " then ", steps_[i]);
    }
  }

 private:
  double value_at(int64_t t) const override {
    auto reached = std::upper_bound(steps_.begin(), steps_.end(), t) - steps_.begin();
    return init() * std::pow(gamma_, static_cast<double>(reached));
  }

  double gamma_;
  std::vector<int64_t> steps_;
};

}  // namespace

TK_PLUGIN("org.trainkit.multistep_shift", "1.0.0", "Chainer's MultistepShift: init * gamma^(step values reached)",
          MultistepShift)
