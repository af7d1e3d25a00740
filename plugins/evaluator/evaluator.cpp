// evaluator: Chainer's Evaluator. Runs a data split through the model (the host's evaluation service: eval
// mode, no gradients, means over the whole split) and reports "<prefix>/main/loss" and
// "<prefix>/main/accuracy" into this iteration's observation.
//
// Chainer's defaults are kept: trigger 1 epoch, priority WRITER, so log_report and print_report (READER)
// see the validation means in the same iteration. Chainer names the keys after the extension's name
// ("validation"); here the instance name is the manifest's, so the key prefix is an option of its own.
#include <string>

#include <trainkit/sdk.hpp>

namespace {

class Evaluator final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"evaluator",
            "evaluates the model on a data split and reports <prefix>/main/loss and <prefix>/main/accuracy "
            "(Chainer's Evaluator)",
            "1 epoch",
            TK_PRIORITY_WRITER,
            0,
            {tk::option::string("split", "validation", "data split to evaluate, as named in the manifest's [data]"),
             tk::option::string("prefix", "validation", "observation key prefix: <prefix>/main/loss, ...")}};
  }

  Evaluator(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), split_(cfg.get_string("split")), prefix_(cfg.get_string("prefix")) {
    if (split_.empty()) throw tk::Error(TK_ERR_INVALID, "split must not be empty");
    // An empty prefix would report "/main/loss"; "main" would overwrite the training means.
    if (prefix_.empty() || prefix_ == "main")
      throw tk::Error(TK_ERR_INVALID, "prefix must not be empty or \"main\", got \"", prefix_, "\"");
  }

  void call(tk::Context&) override { host().evaluate(split_, prefix_); }

 private:
  std::string split_;
  std::string prefix_;
};

}  // namespace

TK_PLUGIN("org.trainkit.evaluator", "1.0.0", "Chainer's Evaluator: validation loss and accuracy", Evaluator)
