// inverse_shift: Chainer's InverseShift (Caffe's "inv" policy). After t calls the hyperparameter is
// init * (1 + gamma t)^-power; with a target, it stops there once it passes it (upwards when power < 0).
//
// A negative gamma is refused, as in Chainer; so is a zero target (Chainer divides by it).
#include <cmath>
#include <optional>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class InverseShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("inverse_shift", "sets an optimizer hyperparameter to init * (1 + gamma t)^-power (Chainer's InverseShift)",
                      {tk::option::required(tk::option::real("gamma", nullptr, "slope of the base (>= 0)")),
                       tk::option::required(tk::option::real("power", nullptr, "exponent; negative grows the value")),
                       init_option(), target_option()});
  }

  InverseShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), gamma_(cfg.get_float("gamma")), power_(cfg.get_float("power")),
        target_(cfg.find_float("target")) {
    if (!(gamma_ >= 0) || !std::isfinite(gamma_))
      throw tk::Error(TK_ERR_INVALID, "inverse_shift does not support a negative gamma, got ", gamma_);
    if (!std::isfinite(power_)) throw tk::Error(TK_ERR_INVALID, "power must be finite, got ", power_);
    check_target(target_);
  }

 private:
  double value_at(int64_t t) const override {
    double value = init() * std::pow(1 + gamma_ * static_cast<double>(t), -power_);
    return stop_at_target(value, target_, power_ < 0);
  }

  double gamma_, power_;
  std::optional<double> target_;
};

}  // namespace

TK_PLUGIN("org.trainkit.inverse_shift", "1.0.0", "Chainer's InverseShift: init * (1 + gamma t)^-power", InverseShift)
