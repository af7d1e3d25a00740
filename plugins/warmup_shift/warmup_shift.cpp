// warmup_shift: Chainer's WarmupShift. The hyperparameter starts at warmup_start and moves evenly to init
// over the first warmup_iter calls: (t init + (warmup_iter - t) warmup_start) / warmup_iter; after that it
// is init.
//
// Two departures from Chainer, both about what happens after warmup:
//   - Chainer's initialize always sets warmup_start and its call stops setting the value once t passes
//     warmup_iter, so a run resumed after the warmup trains on at warmup_start for good. Here every call
//     sets the value and a resumed initialize sets the last value, so a resume lands on init.
//   - From t = warmup_iter on the value is init itself, not the formula's (warmup_iter init) / warmup_iter,
//     which can differ from init in the last bit.
// Chainer requires init and lets warmup_start default to the optimizer's value; here warmup_start is
// required and init defaults to the optimizer's value at the start (the manifest's lr, the value the
// warmup leads up to).
#include <cmath>
#include <cstdint>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/shift.hpp>

namespace {

class WarmupShift final : public tk::Shift {
 public:
  static tk::ClassSpec spec() {
    return class_spec("warmup_shift", "warms an optimizer hyperparameter up linearly from warmup_start to init (Chainer's WarmupShift)",
                      {tk::option::required(tk::option::real("warmup_start", nullptr, "value at the start of training")),
                       tk::option::required(tk::option::integer("warmup_iter", nullptr, "calls over which the value reaches init (>= 1)")),
                       init_option("value after the warmup; default: the optimizer's value at the start")});
  }

  WarmupShift(const tk::Config& cfg, const tk::Host& host)
      : Shift(cfg, host, Init::optional), start_(cfg.get_float("warmup_start")), iters_(cfg.get_int("warmup_iter")) {
    if (!std::isfinite(start_)) throw tk::Error(TK_ERR_INVALID, "warmup_start must be finite, got ", start_);
    if (iters_ < 1) throw tk::Error(TK_ERR_INVALID, "warmup_iter must be >= 1, got ", iters_);
  }

 private:
  double value_at(int64_t t) const override {
    if (t >= iters_) return init();
    return (static_cast<double>(t) * init() + static_cast<double>(iters_ - t) * start_) / static_cast<double>(iters_);
  }
  double initial_value() const override { return start_; }

  double start_;
  int64_t iters_;
};

}  // namespace

TK_PLUGIN("org.trainkit.warmup_shift", "1.0.0", "Chainer's WarmupShift: a linear warmup to init (resume fixed)",
          WarmupShift)
