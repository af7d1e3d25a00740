// Tests for runtime/manifest/ through its public entry: parsing, defaults, every error's place and wording,
// --set overrides, instance names and trigger tables.
#include "manifest/manifest.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;

// Messages name the path as given; a relative name keeps the expected messages short.
Manifest parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_manifest(text, "manifest.toml", overrides);
}

// The ConfigError message `text` (with `overrides`) produces, or "(no error)".
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// The example of docs/manifest.md "A complete manifest", verbatim.
const char* const kInterfaceExample = R"(
[trainer]
out = "result"            # relative to the manifest's folder
stop = "10 epoch"         # "N epoch" | "N iteration"; or a table for early stopping (below)
seed = 0
threads = 0               # intra-op threads; 0 = LibTorch default
plugin_dirs = ["plugins"] # plus TRAINKIT_PLUGIN_PATH and the installed plugin folder

[model]
builtin = "mlp"           # "mlp" | "cnn" ... or: torchscript = "model.pt" (a scripted module saved from Python)
hidden = [256]

[data]
format = "idx"            # MNIST-family IDX files, .gz read directly
root = "/usr/share/datasets/fashion-mnist"
train = "train"           # file stem: train-images-idx3-ubyte(.gz) + train-labels-idx1-ubyte(.gz)
validation = "t10k"
batch_size = 64
shuffle = true

[optimizer]
name = "sgd"              # sgd | adam | adamw | rmsprop | adagrad
lr = 0.05
momentum = 0.9

[loss]
name = "cross_entropy"

[[extension]]
use = "snapshot"          # extension class name from a loaded plugin
name = "snapshot"         # optional; default = class name, repeats get _1, _2 ...
trigger = "1 epoch"       # optional; default = the class's own
priority = -100           # optional; default = the class's own
n_retains = 3             # every other key is the class's own option, checked against its declared options
autoload = true
writer = "thread"
)";

TEST_CASE("the docs/manifest.md example parses with every field", "[manifest]") {
  const Manifest m = parse_manifest(kInterfaceExample, "/srv/runs/a/manifest.toml");
  CHECK(m.path == "/srv/runs/a/manifest.toml");
  CHECK(m.dir == "/srv/runs/a");
  CHECK(m.text == kInterfaceExample);

  CHECK(m.trainer.out == "/srv/runs/a/result");
  CHECK(m.trainer.stop.kind == TriggerKind::kInterval);
  CHECK(m.trainer.stop.period == 10);
  CHECK(m.trainer.stop.unit == TriggerUnit::kEpoch);
  CHECK_FALSE(m.trainer.early_stop.enabled);
  CHECK(m.trainer.seed == 0);
  CHECK(m.trainer.threads == 0);
  CHECK(m.trainer.plugin_dirs == std::vector<std::string>{"/srv/runs/a/plugins"});
  CHECK(m.trainer.pos.str() == "/srv/runs/a/manifest.toml:2:1");

  CHECK(m.model.builtin == "mlp");
  CHECK(m.model.torchscript.empty());
  CHECK(m.model.hidden == std::vector<int64_t>{256});

  CHECK(m.data.format == "idx");
  CHECK(m.data.root == "/usr/share/datasets/fashion-mnist");
  CHECK(m.data.train == "train");
  CHECK(m.data.validation == "t10k");
  CHECK(m.data.batch_size == 64);
  CHECK(m.data.shuffle);

  CHECK(m.optimizer.name == "sgd");
  CHECK(m.optimizer.lr == 0.05);
  CHECK(m.optimizer.momentum == 0.9);
  CHECK(m.loss.name == "cross_entropy");

  REQUIRE(m.extensions.size() == 1);
  const ExtensionConfig& e = m.extensions[0];
  CHECK(e.use == "snapshot");
  CHECK(e.name == "snapshot");
  CHECK(e.name_given);
  REQUIRE(e.trigger);
  CHECK(e.trigger->kind == TriggerKind::kInterval);
  CHECK(e.trigger->unit == TriggerUnit::kEpoch);
  CHECK(e.trigger->period == 1);
  CHECK(e.priority == -100);
  CHECK(e.pos.str() == "/srv/runs/a/manifest.toml:29:1");
  // Class options keep file order and both positions.
  REQUIRE(e.options.size() == 3);
  CHECK(e.options[0].first == "n_retains");
  CHECK(e.options[0].second.kind == OptionValue::Kind::kInt);
  CHECK(e.options[0].second.i == 3);
  CHECK(e.options[0].second.key_pos.str() == "/srv/runs/a/manifest.toml:34:1");
  CHECK(e.options[0].second.pos.str() == "/srv/runs/a/manifest.toml:34:13");
  CHECK(e.options[1].first == "autoload");
  CHECK(e.options[1].second.b);
  CHECK(e.options[2].first == "writer");
  CHECK(e.options[2].second.s == "thread");
}

TEST_CASE("the sample manifest parses", "[manifest]") {
  const Manifest m = load_manifest(TK_SOURCE_DIR "/samples/fashion_mnist/manifest.toml");
  CHECK(m.trainer.out == TK_SOURCE_DIR "/samples/fashion_mnist/result");
  const ExtensionConfig* print = nullptr;
  for (const auto& e : m.extensions)
    if (e.name == "print_report") print = &e;
  REQUIRE(print != nullptr);
  CHECK(print->options.at(0).second.items.size() == 8);  // a list spanning two lines
  bool second_plot = false;  // a repeated class gets the _1 suffix
  for (const auto& e : m.extensions) second_plot |= e.name == "plot_report_1";
  CHECK(second_plot);
}

TEST_CASE("an empty manifest takes every default", "[manifest]") {
  const Manifest m = parse_manifest("", "/srv/runs/b/manifest.toml");
  CHECK(m.trainer.out == "/srv/runs/b/result");
  CHECK(m.trainer.stop.kind == TriggerKind::kInterval);
  CHECK(m.trainer.stop.period == 10);
  CHECK(m.trainer.stop.unit == TriggerUnit::kEpoch);
  CHECK(m.trainer.seed == 0);
  CHECK(m.trainer.threads == 0);
  CHECK(m.trainer.plugin_dirs.empty());
  CHECK(m.model.builtin == "mlp");
  CHECK(m.model.hidden == std::vector<int64_t>{256});
  CHECK(m.model.channels == std::vector<int64_t>{32, 64});
  CHECK(m.model.dropout == 0.0);
  CHECK(m.data.format == "idx");
  CHECK(m.data.root == "/usr/share/datasets/fashion-mnist");
  CHECK(m.data.train == "train");
  CHECK(m.data.validation == "t10k");
  CHECK(m.data.batch_size == 64);
  CHECK(m.data.shuffle);
  CHECK(m.data.train_limit == 0);
  CHECK(m.data.validation_limit == 0);
  CHECK(m.optimizer.name == "sgd");
  CHECK(m.optimizer.lr == 0.01);
  CHECK(m.optimizer.weight_decay == 0.0);
  CHECK_FALSE(m.optimizer.weight_decay_given);
  CHECK(m.optimizer.eps == 1e-8);
  CHECK_FALSE(m.optimizer.eps_given);
  CHECK(m.loss.name == "cross_entropy");
  CHECK(m.extensions.empty());
}

TEST_CASE("every optimizer key reaches its field", "[manifest]") {
  const Manifest adam = parse(R"(
[optimizer]
name = "adam"
lr = 1
betas = [0.8, 0.99]
eps = 1e-6
amsgrad = true
weight_decay = 0.1
)");
  CHECK(adam.optimizer.lr == 1.0);  // an integer where a float is expected
  CHECK(adam.optimizer.beta1 == 0.8);
  CHECK(adam.optimizer.beta2 == 0.99);
  CHECK(adam.optimizer.eps == 1e-6);
  CHECK(adam.optimizer.eps_given == 1e-6);
  CHECK(adam.optimizer.amsgrad);
  CHECK(adam.optimizer.weight_decay == 0.1);

  const Manifest rmsprop = parse("[optimizer]\nname = \"rmsprop\"\nalpha = 0.9\ncentered = true\nmomentum = 0.5\n");
  CHECK(rmsprop.optimizer.alpha == 0.9);
  CHECK(rmsprop.optimizer.centered);
  CHECK(rmsprop.optimizer.momentum == 0.5);

  const Manifest adagrad = parse("[optimizer]\nname = \"adagrad\"\nlr_decay = 0.01\ninitial_accumulator_value = 0.1\n");
  CHECK(adagrad.optimizer.lr_decay == 0.01);
  CHECK(adagrad.optimizer.initial_accumulator_value == 0.1);
  CHECK(adagrad.optimizer.eps == 1e-10);  // LibTorch's Adagrad default

  const Manifest adamw = parse("[optimizer]\nname = \"adamw\"\n");
  CHECK(adamw.optimizer.weight_decay == 0.01);  // LibTorch's AdamW default
  CHECK_FALSE(adamw.optimizer.weight_decay_given);

  const Manifest sgd = parse("[optimizer]\nmomentum = 0.9\nnesterov = true\ndampening = 0\n");
  CHECK(sgd.optimizer.nesterov);
}

TEST_CASE("model, data and trainer keys reach their fields and relative paths become absolute", "[manifest]") {
  const Manifest m = parse_manifest(R"(
[trainer]
out = "../out"
seed = 7
threads = 2
plugin_dirs = ["plugins", "/opt/tk/plugins"]
[model]
torchscript = "models/net.pt"
dropout = 0.25
[data]
root = "data"
train = "small"
validation = ""
batch_size = 32
shuffle = false
train_limit = 1000
validation_limit = 500
)", "/srv/runs/c/manifest.toml");
  CHECK(m.trainer.out == "/srv/runs/out");
  CHECK(m.trainer.seed == 7);
  CHECK(m.trainer.threads == 2);
  CHECK(m.trainer.plugin_dirs == std::vector<std::string>{"/srv/runs/c/plugins", "/opt/tk/plugins"});
  CHECK(m.model.builtin.empty());
  CHECK(m.model.torchscript == "/srv/runs/c/models/net.pt");
  CHECK(m.model.dropout == 0.25);
  CHECK(m.data.root == "/srv/runs/c/data");
  CHECK(m.data.train == "small");
  CHECK(m.data.validation.empty());
  CHECK(m.data.batch_size == 32);
  CHECK_FALSE(m.data.shuffle);
  CHECK(m.data.train_limit == 1000);
  CHECK(m.data.validation_limit == 500);

  const Manifest cnn = parse("[model]\nbuiltin = \"cnn\"\nchannels = [16, 32, 64]\nhidden = [128, 64]\n");
  CHECK(cnn.model.builtin == "cnn");
  CHECK(cnn.model.channels == std::vector<int64_t>{16, 32, 64});
  CHECK(cnn.model.hidden == std::vector<int64_t>{128, 64});
}

TEST_CASE("the step's keys: fields, losses, device, accumulation, clipping, eval batches, init prefix", "[manifest]") {
  const Manifest defaults = parse("");
  CHECK(defaults.model.input == "image");
  CHECK(defaults.model.target == "label");
  CHECK(defaults.loss.label_smoothing == 0.0);
  CHECK(defaults.loss.beta == 1.0);
  CHECK(defaults.trainer.device == "cpu");
  CHECK(defaults.trainer.accumulate == 1);
  CHECK_FALSE(defaults.trainer.clip_grad_norm);
  CHECK(defaults.trainer.clip_norm_type == 2.0);
  CHECK_FALSE(defaults.trainer.clip_grad_value);
  CHECK(defaults.trainer.init_prefix.empty());
  CHECK(defaults.data.eval_batch_size == 0);

  const Manifest m = parse(R"(
[trainer]
device = "cuda:1"
accumulate = 4
clip_grad_norm = 1.5
clip_norm_type = inf
init_prefix = "module."
[model]
input = "x"
target = "y"
[data]
eval_batch_size = 256
[loss]
name = "smooth_l1"
beta = 0.5
)");
  CHECK(m.trainer.device == "cuda:1");
  CHECK(m.trainer.accumulate == 4);
  CHECK(m.trainer.clip_grad_norm == 1.5);
  CHECK(std::isinf(m.trainer.clip_norm_type));
  CHECK(m.trainer.init_prefix == "module.");
  CHECK(m.model.input == "x");
  CHECK(m.model.target == "y");
  CHECK(m.data.eval_batch_size == 256);
  CHECK(m.loss.beta == 0.5);
  CHECK(parse("[loss]\nlabel_smoothing = 0.1\n").loss.label_smoothing == 0.1);
  CHECK(parse("[trainer]\nclip_grad_value = 0.5\n").trainer.clip_grad_value == 0.5);
  CHECK(parse("[trainer]\ndevice = \"auto\"\n").trainer.device == "auto");

  CHECK(error_of("[trainer]\ndevice = \"gpu\"\n") ==
        "manifest.toml:2:10: trainer.device: must be \"cpu\", \"cuda\", \"cuda:N\" or \"auto\"");
  CHECK(error_of("[trainer]\ndevice = \"cuda:x\"\n") ==
        "manifest.toml:2:10: trainer.device: must be \"cpu\", \"cuda\", \"cuda:N\" or \"auto\"");
  CHECK(error_of("[trainer]\naccumulate = 0\n") == "manifest.toml:2:14: trainer.accumulate: must be >= 1 (batches per update)");
  CHECK(error_of("[trainer]\nclip_grad_norm = 0\n") == "manifest.toml:2:18: trainer.clip_grad_norm: must be > 0");
  CHECK(error_of("[trainer]\nclip_norm_type = 1\n") ==
        "manifest.toml:2:18: trainer.clip_norm_type: is used only with clip_grad_norm");
  CHECK(error_of("[trainer]\nclip_grad_norm = 1\nclip_grad_value = 1\n") ==
        "manifest.toml:3:19: trainer.clip_grad_value: clip_grad_norm and clip_grad_value are exclusive: give one of them");
  CHECK(error_of("[model]\ninput = \"\"\n") == "manifest.toml:2:9: model.input: must name a field of the batch");
  CHECK(error_of("[data]\neval_batch_size = 0\n") == "manifest.toml:2:19: data.eval_batch_size: must be in [1, 16777216], got 0");
  CHECK(error_of("[loss]\nname = \"l1\"\nlabel_smoothing = 0.1\n") ==
        "manifest.toml:3:1: loss.label_smoothing: not used by \"l1\" (used by cross_entropy)");
}

TEST_CASE("a relative manifest path becomes absolute", "[manifest]") {
  const Manifest m = parse("");
  CHECK(fs::path(m.path).is_absolute());
  CHECK(m.path == (fs::current_path() / "manifest.toml").lexically_normal().string());
  CHECK(m.dir == fs::current_path().lexically_normal().string());
}

TEST_CASE("trainer.stop takes an interval or an early-stopping table", "[manifest]") {
  SECTION("iterations") {
    const Manifest m = parse("[trainer]\nstop = \"500 iteration\"\n");
    CHECK(m.trainer.stop.unit == TriggerUnit::kIteration);
    CHECK(m.trainer.stop.period == 500);
  }
  SECTION("fractional epochs") {
    CHECK(parse("[trainer]\nstop = \"2.5 epoch\"\n").trainer.stop.period == 2.5);
  }
  SECTION("early stopping with every key") {
    const Manifest m = parse(R"(
[trainer]
stop = { monitor = "validation/main/loss", mode = "min", patience = 5, max = "50 epoch", check = "2 epoch" }
)");
    const EarlyStopSpec& es = m.trainer.early_stop;
    CHECK(es.enabled);
    CHECK(es.monitor == "validation/main/loss");
    CHECK_FALSE(es.maximize);
    CHECK(es.patience == 5);
    CHECK(es.check.period == 2);
    CHECK(es.check.unit == TriggerUnit::kEpoch);
    CHECK(m.trainer.stop.period == 50);
    CHECK(m.trainer.stop.unit == TriggerUnit::kEpoch);
  }
  SECTION("early stopping defaults; auto maximizes an accuracy") {
    const Manifest m = parse("[trainer.stop]\nmonitor = \"validation/main/accuracy\"\n");
    const EarlyStopSpec& es = m.trainer.early_stop;
    CHECK(es.enabled);
    CHECK(es.maximize);
    CHECK(es.patience == 3);
    CHECK(es.check.period == 1);
    CHECK(es.check.unit == TriggerUnit::kEpoch);
    CHECK(m.trainer.stop.period == 100);
    CHECK(m.trainer.stop.unit == TriggerUnit::kEpoch);
  }
  SECTION("auto minimizes a loss") {
    CHECK_FALSE(parse("[trainer]\nstop = { monitor = \"main/loss\", mode = \"auto\" }\n").trainer.early_stop.maximize);
  }
  SECTION("errors") {
    CHECK(error_of("[trainer]\nstop = \"once\"\n") ==
          "manifest.toml:2:8: trainer.stop: expected \"N epoch\" or \"N iteration\", not \"once\"");
    CHECK(error_of("[trainer]\nstop = \"3 epoks\"\n") ==
          "manifest.toml:2:8: trainer.stop: trigger \"3 epoks\": unit must be \"iteration\" or \"epoch\", not \"epoks\"");
    CHECK(error_of("[trainer]\nstop = 3\n") ==
          "manifest.toml:2:8: trainer.stop: expected a string (\"10 epoch\") or an early-stopping table, got an integer");
    CHECK(error_of("[trainer]\nstop = { monitor = \"main/loss\", patiense = 2 }\n") ==
          "manifest.toml:2:33: trainer.stop: unknown key \"patiense\" (did you mean \"patience\"?)");
    CHECK(error_of("[trainer]\nstop = { mode = \"maximum\" }\n") ==
          "manifest.toml:2:17: trainer.stop.mode: \"maximum\" is not one of \"min\", \"max\", \"auto\"");
    CHECK(error_of("[trainer]\nstop = { patience = 0 }\n") == "manifest.toml:2:21: trainer.stop.patience: must be >= 1");
    CHECK(error_of("[trainer]\nstop = { max = \"once\" }\n") ==
          "manifest.toml:2:16: trainer.stop.max: expected \"N epoch\" or \"N iteration\", not \"once\"");
  }
}

TEST_CASE("unknown keys and tables name the place, the path and the closest key", "[manifest][errors]") {
  CHECK(error_of("[trainer]\nseed = 1\nsed = 2\n") ==
        "manifest.toml:3:1: trainer: unknown key \"sed\" (did you mean \"seed\"?)");
  CHECK(error_of("[trainer]\n  sed = 2\n") == "manifest.toml:2:3: trainer: unknown key \"sed\" (did you mean \"seed\"?)");
  CHECK(error_of("[data]\nbatchsize = 2\n") ==
        "manifest.toml:2:1: data: unknown key \"batchsize\" (did you mean \"batch_size\"?)");
  CHECK(error_of("[optimizer]\nlearning_rate = 0.1\n") == "manifest.toml:2:1: optimizer: unknown key \"learning_rate\"");
  CHECK(error_of("\n[traner]\nseed = 1\n") == "manifest.toml:2:2: unknown table \"traner\" (did you mean \"trainer\"?)");
  CHECK(error_of("[[extensions]]\nuse = \"x\"\n") ==
        "manifest.toml:1:3: unknown table \"extensions\" (did you mean \"extension\"?)");
  CHECK(error_of("seed = 1\n") == "manifest.toml:1:1: unknown key \"seed\"");
}

TEST_CASE("wrong types name the value's place and both types", "[manifest][errors]") {
  CHECK(error_of("[data]\nroot = \"x\"\nshuffle = true\nbatch_size = \"64\"\n") ==
        "manifest.toml:4:14: data.batch_size: expected an integer, got a string");
  CHECK(error_of("[data]\nshuffle = 1\n") == "manifest.toml:2:11: data.shuffle: expected a boolean, got an integer");
  CHECK(error_of("[optimizer]\nlr = \"0.1\"\n") == "manifest.toml:2:6: optimizer.lr: expected a number, got a string");
  CHECK(error_of("[model]\nhidden = 128\n") == "manifest.toml:2:10: model.hidden: expected an array, got an integer");
  CHECK(error_of("[model]\nhidden = [128, \"64\"]\n") ==
        "manifest.toml:2:16: model.hidden[1]: expected an integer, got a string");
  CHECK(error_of("[trainer]\nplugin_dirs = [\"a\", 2]\n") ==
        "manifest.toml:2:21: trainer.plugin_dirs[1]: expected a string, got an integer");
  CHECK(error_of("trainer = 3\n") == "manifest.toml:1:11: trainer: expected a table, got an integer");
  CHECK(error_of("[trainer]\nout = 1979-05-27\n") ==
        "manifest.toml:2:7: trainer.out: dates and times are not used by trainkit (quote the value to make it a string)");
}

TEST_CASE("value checks name the place", "[manifest][errors]") {
  CHECK(error_of("[data]\nbatch_size = 0\n") == "manifest.toml:2:14: data.batch_size: must be in [1, 16777216], got 0");
  CHECK(error_of("[data]\nformat = \"parquet\"\n") ==
        "manifest.toml:2:10: data.format: \"parquet\" is not one of \"idx\", \"tensors\", \"npz\", \"npy\", \"csv\", "
        "\"image_folder\", \"plugin\"");
  CHECK(error_of("[data]\ntrain_limit = -1\n") == "manifest.toml:2:15: data.train_limit: must be >= 0 (0 = all)");
  CHECK(error_of("[trainer]\nthreads = -2\n") ==
        "manifest.toml:2:11: trainer.threads: must be >= 0 (0 = LibTorch default), got -2");
  CHECK(error_of("[trainer]\nout = \"\"\n") == "manifest.toml:2:7: trainer.out: must not be empty");
  CHECK(error_of("[optimizer]\nname = \"adm\"\n") ==
        "manifest.toml:2:8: optimizer.name: \"adm\" is not one of \"sgd\", \"adam\", \"adamw\", \"rmsprop\", \"adagrad\" "
        "(did you mean \"adam\"?)");
  CHECK(error_of("[optimizer]\nlr = -0.1\n") == "manifest.toml:2:6: optimizer.lr: must be in [0, 3.40282e+38]");
  CHECK(error_of("[optimizer]\nbetas = [0.9]\n") == "manifest.toml:2:9: optimizer.betas: expected two numbers: [beta1, beta2]");
  CHECK(error_of("[optimizer]\nname = \"adam\"\nbetas = [0.9, 1]\n") == "manifest.toml:3:15: optimizer.betas[1]: must be in [0, 1)");
  CHECK(error_of("[optimizer]\nnesterov = true\n") ==
        "manifest.toml:2:12: optimizer.nesterov: needs momentum > 0 and dampening = 0");
  CHECK(error_of("[loss]\nname = \"crossentropy\"\n") ==
        "manifest.toml:2:8: loss.name: \"crossentropy\" is not one of \"cross_entropy\", \"mse\", \"nll\", \"l1\", "
        "\"smooth_l1\", \"bce_with_logits\" "
        "(did you mean \"cross_entropy\"?)");
  CHECK(error_of("[model]\nbuiltin = \"mlpp\"\n") ==
        "manifest.toml:2:11: model.builtin: \"mlpp\" is not one of \"mlp\", \"cnn\" (did you mean \"mlp\"?)");
  CHECK(error_of("[model]\nbuiltin = \"mlp\"\ntorchscript = \"m.pt\"\n") ==
        "manifest.toml:3:15: model.torchscript: builtin and torchscript are exclusive: give one of them");
  CHECK(error_of("[model]\nhidden = [128, 0]\n") == "manifest.toml:2:16: model.hidden[1]: must be in (0, 16777216]");
  CHECK(error_of("[model]\ndropout = 1.0\n") == "manifest.toml:2:11: model.dropout: must be in [0, 1)");
}

TEST_CASE("an optimizer key the chosen optimizer ignores is an error", "[manifest][errors]") {
  CHECK(error_of("[optimizer]\nname = \"sgd\"\nbetas = [0.9, 0.99]\n") ==
        "manifest.toml:3:1: optimizer.betas: not used by \"sgd\" (used by adam, adamw)");
  CHECK(error_of("[optimizer]\nname = \"adam\"\nmomentum = 0.9\n") ==
        "manifest.toml:3:1: optimizer.momentum: not used by \"adam\" (used by sgd, rmsprop)");
}

TEST_CASE("TOML syntax errors name file:line:col", "[manifest][errors]") {
  const std::string message = error_of("[trainer]\nseed = = 1\n");
  CHECK_THAT(message, Catch::StartsWith("manifest.toml:2:8: "));
  CHECK(error_of("[trainer]\nseed = 1\nseed = 2\n").rfind("manifest.toml:3:", 0) == 0);
}

TEST_CASE("a ConfigError leaves with the configuration exit code", "[manifest][errors]") {
  try {
    parse("[data]\nbatch_size = 0\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.code() == ExitCode::kConfig);
  }
}

TEST_CASE("SourcePos::str is file:line:col, or the bare file without a line", "[manifest]") {
  CHECK(SourcePos{"manifest.toml", 14, 3}.str() == "manifest.toml:14:3");
  CHECK(SourcePos{"manifest.toml", 0, 0}.str() == "manifest.toml");
  CHECK(SourcePos{kOverrideFile, 0, 0}.str() == "--set");
  CHECK(locate(SourcePos{"m.toml", 2, 5}, "data.batch_size") == "m.toml:2:5: data.batch_size");
  CHECK(locate(SourcePos{kOverrideFile, 0, 0}, "data.batch_size") == "--set data.batch_size");
}

TEST_CASE("overrides (--set) apply before anything is checked", "[manifest][overrides]") {
  const char* const text = R"(
[trainer]
stop = "10 epoch"
[data]
batch_size = 64
[[extension]]
use = "snapshot"
n_retains = 3
[[extension]]
use = "snapshot"
[[extension]]
use = "log_report"
)";
  SECTION("a TOML value") {
    const Manifest m = parse(text, {"data.batch_size=32"});
    CHECK(m.data.batch_size == 32);
    CHECK(m.overrides == std::vector<std::string>{"data.batch_size=32"});
  }
  SECTION("an unquoted string") {
    const Manifest m = parse(text, {"trainer.stop=3 epoch"});
    CHECK(m.trainer.stop.period == 3);
    CHECK(m.trainer.stop.unit == TriggerUnit::kEpoch);
  }
  SECTION("a quoted string and spaces around =") {
    CHECK(parse(text, {"trainer.stop = \"200 iteration\""}).trainer.stop.period == 200);
  }
  SECTION("a list") {
    CHECK(parse(text, {"model.hidden=[128,64]"}).model.hidden == std::vector<int64_t>{128, 64});
  }
  SECTION("a table for early stopping, and a key inside it") {
    const Manifest m = parse(text, {"trainer.stop={ monitor = \"main/loss\" }", "trainer.stop.patience=7"});
    CHECK(m.trainer.early_stop.enabled);
    CHECK(m.trainer.early_stop.patience == 7);
  }
  SECTION("a section the file does not have") {
    CHECK(parse(text, {"optimizer.name=adam", "optimizer.lr=0.001"}).optimizer.name == "adam");
  }
  SECTION("later overrides win") {
    CHECK(parse(text, {"data.batch_size=32", "data.batch_size=16"}).data.batch_size == 16);
  }
  SECTION("an extension by instance name, placed at --set") {
    const Manifest m = parse(text, {"extension.snapshot_1.n_retains=2", "extension.log_report.trigger=2 epoch"});
    REQUIRE(m.extensions.size() == 3);
    CHECK(m.extensions[0].options[0].second.i == 3);
    REQUIRE(m.extensions[1].options.size() == 1);
    const OptionValue& n = m.extensions[1].options[0].second;
    CHECK(n.i == 2);
    CHECK(n.pos.file == "--set");
    CHECK(n.pos.line == 0);
    REQUIRE(m.extensions[2].trigger);
    CHECK(m.extensions[2].trigger->period == 2);
  }
  SECTION("a replaced option keeps its place in file order") {
    const Manifest m = parse("[[extension]]\nuse = \"x\"\na = 1\nb = 2\n", {"extension.x.a=5", "extension.x.c=3"});
    const auto& options = m.extensions[0].options;
    REQUIRE(options.size() == 3);
    CHECK(options[0].first == "a");
    CHECK(options[0].second.i == 5);
    CHECK(options[1].first == "b");
    CHECK(options[2].first == "c");
  }
  SECTION("a misspelled key names --set and the key, with a did-you-mean") {
    CHECK(error_of(text, {"trainer.stp=3 epoch"}) == "--set trainer.stp: unknown key \"stp\" (did you mean \"stop\"?)");
    CHECK(error_of(text, {"traner.stop=3 epoch"}) == "--set traner: unknown table \"traner\" (did you mean \"trainer\"?)");
  }
  SECTION("a bad value names --set and the key") {
    CHECK(error_of(text, {"data.batch_size=abc"}) == "--set data.batch_size: expected an integer, got a string");
    CHECK(error_of(text, {"data.batch_size=0"}) == "--set data.batch_size: must be in [1, 16777216], got 0");
  }
  SECTION("an unknown extension instance") {
    CHECK(error_of(text, {"extension.snaphot.n_retains=2"}) ==
          "--set extension.snaphot.n_retains: no extension named \"snaphot\" (did you mean \"snapshot\"?); "
          "the extensions are snapshot, snapshot_1, log_report");
    CHECK(error_of("", {"extension.snapshot.n_retains=2"}) ==
          "--set extension.snapshot.n_retains: no extension named \"snapshot\" (the manifest has no [[extension]])");
    CHECK(error_of(text, {"extension.snapshot=2"}) ==
          "--set extension.snapshot: expected extension.<instance name>.<key>");
  }
  SECTION("malformed arguments") {
    CHECK(error_of(text, {"data.batch_size"}) ==
          "--set data.batch_size: expected KEY=VALUE, e.g. --set trainer.stop=\"3 epoch\"");
    CHECK(error_of(text, {"data..batch_size=3"}) ==
          "--set data..batch_size=3: KEY must be a dotted path such as data.batch_size");
    CHECK(error_of(text, {"data.batch_size.x=3"}) == "--set data.batch_size.x: data.batch_size is an integer, not a table");
  }
}

TEST_CASE("instance names default to the class name and repeats get _1, _2", "[manifest][extensions]") {
  const Manifest m = parse(R"(
[[extension]]
use = "snapshot"
[[extension]]
use = "log_report"
[[extension]]
use = "snapshot"
[[extension]]
use = "snapshot"
)");
  REQUIRE(m.extensions.size() == 4);
  CHECK(m.extensions[0].name == "snapshot");
  CHECK(m.extensions[1].name == "log_report");
  CHECK(m.extensions[2].name == "snapshot_1");
  CHECK(m.extensions[3].name == "snapshot_2");
  CHECK_FALSE(m.extensions[0].name_given);
  CHECK_FALSE(m.extensions[0].trigger);
  CHECK_FALSE(m.extensions[0].priority);
}

TEST_CASE("explicit names are reserved before defaults are given out", "[manifest][extensions]") {
  const Manifest m = parse(R"(
[[extension]]
use = "snapshot"
[[extension]]
use = "snapshot"
[[extension]]
use = "checkpoint"
name = "snapshot"
[[extension]]
use = "snapshot"
name = "snapshot_1"
)");
  REQUIRE(m.extensions.size() == 4);
  CHECK(m.extensions[0].name == "snapshot_2");
  CHECK(m.extensions[1].name == "snapshot_3");
  CHECK(m.extensions[2].name == "snapshot");
  CHECK(m.extensions[2].name_given);
  CHECK(m.extensions[3].name == "snapshot_1");
}

TEST_CASE("instance name errors", "[manifest][extensions][errors]") {
  CHECK(error_of("[[extension]]\nuse = \"a\"\nname = \"x\"\n[[extension]]\nuse = \"b\"\nname = \"x\"\n") ==
        "manifest.toml:6:8: extension[1].name: \"x\" is already the name of the extension at manifest.toml:3:8");
  CHECK(error_of("[[extension]]\nuse = \"a\"\nname = \"training\"\n") ==
        "manifest.toml:3:8: extension[0]: the instance name \"training\" is reserved; give the extension another `name`");
  CHECK(error_of("[[extension]]\nuse = \"training\"\n") ==
        "manifest.toml:1:1: extension[0]: the instance name \"training\" is reserved; give the extension another `name`");
  CHECK(error_of("[[extension]]\nuse = \"a\"\nname = \"my.ext\"\n") ==
        "manifest.toml:3:8: extension[0].name: \"my.ext\" may hold only letters, digits, '_' and '-'");
  CHECK(error_of("[[extension]]\nname = \"a\"\n") ==
        "manifest.toml:1:1: extension[0]: missing \"use\": the extension class to instantiate");
  CHECK(error_of("[[extension]]\nuse = 3\n") == "manifest.toml:2:7: extension[0].use: expected a string, got an integer");
  CHECK(error_of("[extension]\nuse = \"a\"\n") ==
        "manifest.toml:1:1: extension: write each extension as [[extension]] (an array of tables), not [extension]");
  CHECK(error_of("[[extension]]\nuse = \"a\"\npriority = \"high\"\n") ==
        "manifest.toml:3:12: extension.a.priority: expected an integer, got a string");
}

TEST_CASE("extension triggers: strings and every table form", "[manifest][triggers]") {
  const Manifest m = parse(R"(
[[extension]]
use = "a"
trigger = { at = [5000, 1000], unit = "iteration" }
[[extension]]
use = "b"
trigger = { best = "validation/main/accuracy", mode = "max", check = "2 epoch" }
[[extension]]
use = "c"
trigger = { every = "30 min" }
[[extension]]
use = "d"
trigger = { once = true, call_on_resume = true }
[[extension]]
use = "e"
trigger = "0.5 epoch"
[[extension]]
use = "f"
trigger = "once"
)");
  REQUIRE(m.extensions.size() == 6);
  const TriggerSpec& at = *m.extensions[0].trigger;
  CHECK(at.kind == TriggerKind::kManual);
  CHECK(at.unit == TriggerUnit::kIteration);
  CHECK(at.points == std::vector<double>{1000, 5000});
  const TriggerSpec& best = *m.extensions[1].trigger;
  CHECK(best.kind == TriggerKind::kBest);
  CHECK(best.key == "validation/main/accuracy");
  CHECK(best.maximize);
  CHECK(best.period == 2);
  CHECK(best.unit == TriggerUnit::kEpoch);
  const TriggerSpec& every = *m.extensions[2].trigger;
  CHECK(every.kind == TriggerKind::kTime);
  CHECK(every.seconds == 1800);
  const TriggerSpec& once = *m.extensions[3].trigger;
  CHECK(once.kind == TriggerKind::kOnce);
  CHECK(once.call_on_resume);
  CHECK(m.extensions[4].trigger->period == 0.5);
  CHECK(m.extensions[4].trigger->unit == TriggerUnit::kEpoch);
  CHECK(m.extensions[5].trigger->kind == TriggerKind::kOnce);
}

TEST_CASE("extension trigger errors name the trigger's path", "[manifest][triggers][errors]") {
  const std::string head = "[[extension]]\nuse = \"a\"\n";
  CHECK(error_of(head + "trigger = { at = [1000] }\n") ==
        "manifest.toml:3:11: extension.a.trigger: { at = [...] } needs unit = \"iteration\" or \"epoch\"");
  CHECK(error_of(head + "trigger = { evry = \"5 min\" }\n") ==
        "manifest.toml:3:13: extension.a.trigger: unknown key \"evry\" (did you mean \"every\"?)");
  CHECK(error_of(head + "trigger = { every = \"5 min\", once = true }\n") ==
        "manifest.toml:3:11: extension.a.trigger: give only one of at, best, every, once (found every, once)");
  CHECK(error_of(head + "trigger = { best = \"main/loss\", mod = \"min\" }\n") ==
        "manifest.toml:3:33: extension.a.trigger: unknown key \"mod\" (did you mean \"mode\"?)");
  CHECK(error_of(head + "trigger = { at = [1.5], unit = \"iteration\" }\n") ==
        "manifest.toml:3:19: extension.a.trigger.at[0]: iterations must be whole");
  CHECK(error_of(head + "trigger = { every = \"5 days\" }\n") ==
        "manifest.toml:3:21: extension.a.trigger.every: duration \"5 days\": unit must be s, min or h, not \"days\"");
  CHECK(error_of(head + "trigger = { once = false }\n") ==
        "manifest.toml:3:20: extension.a.trigger.once: must be true (leave the extension out to never run it)");
  CHECK(error_of(head + "trigger = 5\n") ==
        "manifest.toml:3:11: extension.a.trigger: expected a trigger: a string (\"2 epoch\", \"once\") or a table "
        "({ at = [...], unit = ... }, { best = ... }, { every = ... }, { once = true }), got an integer");
  CHECK(error_of(head + "trigger = \"2 epocs\"\n") ==
        "manifest.toml:3:11: extension.a.trigger: trigger \"2 epocs\": unit must be \"iteration\" or \"epoch\", not \"epocs\"");
}

TEST_CASE("parse_option_value reads one TOML value or nothing", "[manifest]") {
  const SourcePos at{kOverrideFile, 0, 0};
  CHECK(parse_option_value("3", at)->i == 3);
  CHECK(parse_option_value("\"x\"", at)->s == "x");
  CHECK(parse_option_value("[1, 2.5]", at)->items.size() == 2);
  CHECK(parse_option_value("{ every = \"5 min\" }", at)->fields[0].first == "every");
  CHECK(parse_option_value("{ every = \"5 min\" }", at)->fields[0].second.pos.file == "--set");
  CHECK_FALSE(parse_option_value("3 epoch", at));
  CHECK_FALSE(parse_option_value("1\nw = 2", at));
  CHECK_FALSE(parse_option_value("1979-05-27", at));
}

TEST_CASE("load_manifest reads the file", "[manifest]") {
  const fs::path dir = fs::temp_directory_path() / ("tk_manifest_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "manifest.toml";
  std::ofstream(file) << "[data]\nbatch_size = 8\n";
  const Manifest m = load_manifest(file.string(), {"data.batch_size=4"});
  CHECK(m.path == file.string());
  CHECK(m.dir == dir.string());
  CHECK(m.text == "[data]\nbatch_size = 8\n");
  CHECK(m.data.batch_size == 4);
  CHECK(m.trainer.out == (dir / "result").string());
  std::ofstream(file) << "[data]\nbatch_size = 0\n";
  CHECK_THROWS_WITH(load_manifest(file.string()), file.string() + ":2:14: data.batch_size: must be in [1, 16777216], got 0");
  CHECK_THROWS_WITH(load_manifest((dir / "missing.toml").string()),
                    Catch::StartsWith((dir / "missing.toml").string() + ": cannot read the manifest: no such file"));
  CHECK_THROWS_WITH(load_manifest(dir.string()), dir.string() + ": cannot read the manifest: it is a folder, not a file");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace trainkit
