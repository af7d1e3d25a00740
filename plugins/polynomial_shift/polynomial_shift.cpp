// polynomial_shift: Chainer's PolynomialShift. After t calls the hyperparameter is
// init * max(1 - t / max_count, 0)^rate; with a target, it stops there once it passes it.
//
// Chainer's clamp is kept as written (it compares target / value, the other way round from the other
// shifts). max_count must be >= 1 (Chainer divides by it). Where Chainer raises ZeroDivisionError (0 to a
// negative rate once t >= max_count), the value is infinite and the call fails, unless a target caught it.
#include <algorithm>
#include <cmath>
#include <optional>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class PolynomialShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("polynomial_shift", "decays an optimizer hyperparameter polynomially to 0 (Chainer's PolynomialShift)",
                      {tk::option::required(tk::option::real("rate", nullptr, "exponent of the polynomial")),
                       tk::option::required(tk::option::integer("max_count", nullptr, "call count at which the value reaches 0 (>= 1)")),
                       init_option(), target_option()});
  }

  PolynomialShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), rate_(cfg.get_float("rate")), max_count_(cfg.get_int("max_count")),
        target_(cfg.find_float("target")) {
    if (!std::isfinite(rate_)) throw tk::Error(TK_ERR_INVALID, "rate must be finite, got ", rate_);
    if (max_count_ < 1) throw tk::Error(TK_ERR_INVALID, "max_count must be >= 1, got ", max_count_);
    if (target_ && !std::isfinite(*target_)) throw tk::Error(TK_ERR_INVALID, "target must be finite, got ", *target_);
  }

 private:
  double value_at(int64_t t) const override {
    double decay = std::max(1 - static_cast<double>(t) / static_cast<double>(max_count_), 0.0);
    double value = init() * std::pow(decay, rate_);
    if (target_) {
      double ratio = *target_ / value;
      if (rate_ > 0 ? ratio > 1 : ratio < 1) value = *target_;
    }
    return value;
  }

  double rate_;
  int64_t max_count_;
  std::optional<double> target_;
};

}  // namespace

TK_PLUGIN("org.trainkit.polynomial_shift", "1.0.0", "Chainer's PolynomialShift: init * (1 - t / max_count)^rate",
          PolynomialShift)
