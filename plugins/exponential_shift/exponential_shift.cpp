// exponential_shift: Chainer's ExponentialShift. After t calls the hyperparameter is init * rate^t; with a
// target, it stops there once it passes it (in the direction rate takes it).
//
// Chainer's rules are kept (tk::Shift in <trainkit/sdk/shift.hpp> does the common part): t counts calls,
// not iterations; trigger "1 iteration", priority READER; a negative rate is refused. A target of 0 is
// refused too: Chainer divides by it and fails at the first call.
#include <cmath>
#include <optional>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class ExponentialShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("exponential_shift", "multiplies an optimizer hyperparameter by rate at each call (Chainer's ExponentialShift)",
                      {tk::option::required(tk::option::real("rate", nullptr, "factor applied at each call (>= 0)")),
                       init_option(), target_option()});
  }

  ExponentialShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), rate_(cfg.get_float("rate")), target_(cfg.find_float("target")) {
    if (!(rate_ >= 0) || !std::isfinite(rate_))
      throw tk::Error(TK_ERR_INVALID, "exponential_shift does not support a negative rate, got ", rate_);
    check_target(target_);
  }

 private:
  double value_at(int64_t t) const override {
    return stop_at_target(init() * std::pow(rate_, static_cast<double>(t)), target_, rate_ > 1);
  }

  double rate_;
  std::optional<double> target_;
};

}  // namespace

TK_PLUGIN("org.trainkit.exponential_shift", "1.0.0", "Chainer's ExponentialShift: init * rate^t", ExponentialShift)
