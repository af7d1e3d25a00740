// linear_shift: Chainer's LinearShift. With value_range = [v1, v2] and time_range = [t1, t2], the
// hyperparameter is v1 while t <= t1, v2 once t >= t2, and linear in between (t counts calls).
//
// Like Chainer, initialize of a fresh instance already sets the value for t = 0 (v1 when t1 >= 0). Both
// ranges must hold exactly two numbers, and t1 <= t2.
#include <cstdint>
#include <vector>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class LinearShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("linear_shift", "moves an optimizer hyperparameter linearly between two values (Chainer's LinearShift)",
                      {tk::option::required(tk::option::real_list("value_range", nullptr, "[first, last] value")),
                       tk::option::required(tk::option::integer_list(
                           "time_range", nullptr, "[first, last] call count of the linear part"))});
  }

  LinearShift(const tk::Config& cfg, const tk::Host& host) : Shift(cfg, host, Init::none) {
    std::vector<double> values = cfg.get_float_list("value_range");
    std::vector<int64_t> times = cfg.get_int_list("time_range");
    if (values.size() != 2) throw tk::Error(TK_ERR_INVALID, "value_range must hold 2 values, got ", values.size());
    if (times.size() != 2) throw tk::Error(TK_ERR_INVALID, "time_range must hold 2 values, got ", times.size());
    if (times[0] > times[1])
      throw tk::Error(TK_ERR_INVALID, "time_range must not decrease, got [", times[0], ", ", times[1], "]");
    v1_ = values[0];
    v2_ = values[1];
    t1_ = times[0];
    t2_ = times[1];
  }

 private:
  double value_at(int64_t t) const override {
    if (t <= t1_) return v1_;
    if (t >= t2_) return v2_;
    double rate = static_cast<double>(t - t1_) / static_cast<double>(t2_ - t1_);
    return v1_ + rate * (v2_ - v1_);
  }
  double initial_value() const override { return value_at(0); }

  double v1_ = 0, v2_ = 0;
  int64_t t1_ = 0, t2_ = 0;
};

}  // namespace

TK_PLUGIN("org.trainkit.linear_shift", "1.0.0", "Chainer's LinearShift: a linear ramp between two values", LinearShift)
