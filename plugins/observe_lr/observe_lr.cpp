// observe_lr: Chainer's observe_lr. Reports the optimizer's learning rate into the observation, so
// log_report and print_report show it next to the loss.
//
// Chainer's defaults are kept: trigger 1 epoch, priority WRITER (it runs before the readers of the same
// iteration see the observation). ppe's param_group selects the parameter group.
#include <string>

#include <trainkit/sdk.hpp>

namespace {

class ObserveLr final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"observe_lr",
            "reports the optimizer's learning rate into the observation (Chainer's observe_lr)",
            "1 epoch",
            TK_PRIORITY_WRITER,
            0,
            {tk::option::string("observation_key", "lr", "observation key to report the learning rate under"),
             tk::option::integer("param_group", "0", "index of the optimizer's parameter group to read")}};
  }

  ObserveLr(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), key_(cfg.get_string("observation_key")), group_(cfg.get_int("param_group")) {
    if (key_.empty()) throw tk::Error(TK_ERR_INVALID, "observation_key must not be empty");
    if (group_ < 0) throw tk::Error(TK_ERR_INVALID, "param_group must be >= 0, got ", group_);
  }

  void call(tk::Context&) override {
    auto optimizer = host().optimizer();
    size_t groups = optimizer.param_group_count();
    if (static_cast<size_t>(group_) >= groups)
      throw tk::Error(TK_ERR_INVALID, "param_group ", group_, " does not exist: optimizer \"", optimizer.name(),
                      "\" has ", groups, " parameter group(s)");
    host().report(key_, optimizer.get(static_cast<size_t>(group_), "lr"));
  }

 private:
  std::string key_;
  int64_t group_;
};

}  // namespace

TK_PLUGIN("org.trainkit.observe_lr", "1.0.0", "Chainer's observe_lr: the learning rate as an observation",
          ObserveLr)
