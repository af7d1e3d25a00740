// loss_ema: an exponential moving average of an observed value (main/loss unless told otherwise), reported
// beside it as "<key>_ema", so log_report and print_report show a smooth curve next to the noisy one.
//
// A complete third-party plugin, built out of tree against the installed SDK (CMakeLists.txt and README.md
// next to this file), and the running example of docs/writing-extensions.md.
//
//   average_t = decay * average_{t-1} + (1 - decay) * x_t        reported as  average_t / (1 - decay^t)
//
// The division is Adam's bias correction: an average that starts at 0 would report a loss ten times too
// small at the first call with decay 0.9. The average and the count are the state, so a resumed run goes on
// smoothing where its snapshot left off instead of starting again from 0.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <trainkit/sdk.hpp>

namespace {

class LossEma final : public tk::Extension {
 public:
  // How the class presents itself: read by the host at load time, by `trainkit plugins --describe loss_ema`
  // and when it checks a manifest's [[extension]] table, before anything trains.
  static tk::ClassSpec spec() {
    return {"loss_ema",
            "reports an exponential moving average of an observed value as <key>_ema",
            "1 iteration",
            TK_PRIORITY_WRITER,          // runs before the readers (log_report, ...) of the same iteration
            TK_EXTENSION_WANTS_SUMMARY,  // the context carries the means since this instance's last call
            {tk::option::real("decay", "0.9", "weight of the old average at each call, in [0, 1)"),
             tk::option::string("key", "main/loss", "observation key to smooth; the average is reported as <key>_ema")},
            /*state_version=*/1};
  }

  // Options arrive validated against the declarations above; what the types cannot say is checked here.
  // A throw fails `create`: trainkit reports it as a configuration error and trains nothing.
  LossEma(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), decay_(cfg.get_float("decay")), key_(cfg.get_string("key")), output_key_(key_ + "_ema") {
    if (!(decay_ >= 0.0 && decay_ < 1.0)) throw tk::Error(TK_ERR_INVALID, "decay must be in [0, 1), got ", decay_);
    if (key_.empty()) throw tk::Error(TK_ERR_INVALID, "key must not be empty");
  }

  // Runs after every state was restored, so count_ already holds what a snapshot saved.
  void initialize(tk::Context& ctx) override {
    if (ctx.state_restored()) host().info("continuing the average of ", key_, " over ", count_, " values");
  }

  void call(tk::Context& ctx) override {
    // The summary holds the mean of each key since this instance's last call: with the default trigger that
    // is this iteration's value; with "10 iteration" it smooths 10-iteration means, not every tenth value.
    std::optional<double> value = ctx.summary().find(key_);
    if (!value) return;  // nothing observed under key_ since the last call
    average_ = decay_ * average_ + (1.0 - decay_) * *value;
    ++count_;
    host().report(output_key_, average_ / (1.0 - std::pow(decay_, static_cast<double>(count_))));
  }

  // One function saves and loads; keys, not positions, so a later version may add keys freely.
  void visit(tk::StateVisitor& v) override {
    v("average", average_);
    v("count", count_);
  }

 private:
  double decay_;
  std::string key_;
  std::string output_key_;
  double average_ = 0.0;
  int64_t count_ = 0;
};

}  // namespace

TK_PLUGIN("org.example.loss_ema", "1.0.0", "An exponential moving average of the loss (trainkit's sample plugin)",
          LossEma)
