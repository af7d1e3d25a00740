// cosine_shift: cosine annealing. After t calls the hyperparameter is
//   end + (init - end) (1 + cos(pi t / period)) / 2
// for t < period, and end from then on; with cycle = true it starts again from init every period calls
// (t mod period: warm restarts without a growing period).
//
// Chainer has no cosine shift; this follows the cosine annealing of ppe's LRScheduler(CosineAnnealingLR)
// and Ignite's CosineAnnealingScheduler, with Chainer's shift conventions (tk::Shift): t counts calls, init
// defaults to the optimizer's value at the start, and the state is t and the last value.
#include <cmath>
#include <cstdint>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class CosineShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("cosine_shift", "anneals an optimizer hyperparameter from init to end along a half cosine",
                      {tk::option::required(tk::option::integer("period", nullptr, "calls from init to end (>= 1)")),
                       tk::option::real("end", "0.0", "value reached after period calls"), init_option(),
                       tk::option::boolean("cycle", "false", "start again from init every period calls")});
  }

  CosineShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), period_(cfg.get_int("period")), end_(cfg.get_float("end")),
        cycle_(cfg.get_bool("cycle")) {
    if (period_ < 1) throw tk::Error(TK_ERR_INVALID, "period must be >= 1, got ", period_);
    if (!std::isfinite(end_)) throw tk::Error(TK_ERR_INVALID, "end must be finite, got ", end_);
  }

 private:
  double value_at(int64_t t) const override {
    if (cycle_) t %= period_;
    else if (t >= period_) return end_;
    if (t == 0) return init();  // exactly, not end + (init - end)
    const double pi = std::acos(-1.0);
    return end_ + (init() - end_) * (1 + std::cos(pi * static_cast<double>(t) / static_cast<double>(period_))) / 2;
  }

  int64_t period_;
  double end_;
  bool cycle_;
};

}  // namespace

TK_PLUGIN("org.trainkit.cosine_shift", "1.0.0", "Cosine annealing of an optimizer hyperparameter (ppe / Ignite style)",
          CosineShift)
