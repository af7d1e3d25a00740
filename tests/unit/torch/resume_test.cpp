// runtime/torch/session: Session::visit saves and loads the whole training state, and a session resumed
// from it continues bit-identically (Note [Session state] in session.cpp).
#include <ATen/core/Tensor.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/from_blob.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <fstream>

#include "core/error.h"
#include "state/memory_tree.h"
#include "torch/session.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

// 90 examples in batches of 16: 6 iterations per epoch, the last one of 10 examples.
constexpr uint32_t kExamples = 90;
constexpr int kSteps = 15;     // N
constexpr int kResumeAt = 8;   // k: two batches into the second epoch
constexpr int kLrShiftAt = 3;  // an LR shift extension halves lr after this iteration; it must survive

struct OptimizerCase {
  std::string label;
  OptimizerConfig config;
};

std::vector<OptimizerCase> optimizer_cases() {
  std::vector<OptimizerCase> cases;
  auto add = [&](const std::string& label, const std::string& name, double lr, auto&& tweak) {
    OptimizerConfig c;
    c.name = name;
    c.lr = lr;
    tweak(c);
    cases.push_back({label, c});
  };
  add("sgd", "sgd", 0.05, [](OptimizerConfig&) {});  // no momentum: no optimizer state at all
  add("sgd momentum", "sgd", 0.05, [](OptimizerConfig& c) {
    c.momentum = 0.9;
    c.weight_decay_given = 1e-4;
  });
  add("sgd nesterov", "sgd", 0.05, [](OptimizerConfig& c) {
    c.momentum = 0.9;
    c.nesterov = true;
  });
  add("adam", "adam", 1e-3, [](OptimizerConfig&) {});
  add("adam amsgrad", "adam", 1e-3, [](OptimizerConfig& c) { c.amsgrad = true; });
  add("adamw", "adamw", 1e-3, [](OptimizerConfig&) {});
  add("adamw amsgrad", "adamw", 1e-3, [](OptimizerConfig& c) { c.amsgrad = true; });
  add("rmsprop", "rmsprop", 1e-3, [](OptimizerConfig&) {});
  add("rmsprop momentum centered", "rmsprop", 1e-3, [](OptimizerConfig& c) {
    c.momentum = 0.5;
    c.centered = true;
  });
  add("adagrad", "adagrad", 0.05, [](OptimizerConfig& c) { c.lr_decay = 0.01; });
  return cases;
}

Manifest tiny_manifest(const TempDir& dir) {
  Manifest m;
  m.trainer.seed = 7;
  m.data.root = dir.path().string();
  m.data.train = "tiny";
  m.data.validation = "";
  m.data.batch_size = 16;
  m.data.shuffle = true;
  m.model.builtin = "mlp";
  m.model.hidden = {32};
  m.model.dropout = 0.25;  // draws from the session's default generator every step
  return m;
}

// A scripted net with a batch norm (buffers: running_mean, running_var, int64 num_batches_tracked) and
// dropout, so resuming must restore buffers and the default generator too.
constexpr const char* kScriptSource = R"PY(
import sys
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.fc1 = torch.nn.Linear(784, 32)
        self.bn = torch.nn.BatchNorm1d(32)
        self.drop = torch.nn.Dropout(0.25)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(self.flatten(x))))))


torch.manual_seed(0)
torch.jit.script(Net()).save(sys.argv[1])
)PY";

std::string make_script_model(const TempDir& dir) {
  {
    std::ofstream out(dir / "make_net.py");
    out << kScriptSource;
  }
  const auto r = tk_test::run_process({kPython, dir / "make_net.py", dir / "net.pt"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir / "net.pt";
}

state::MemoryTree save(Session& s) {
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  s.visit(saver);
  return tree;
}

void load(Session& s, const state::MemoryTree& tree) {
  state::MemoryLoader loader(tree);
  s.visit(loader);
}

// Iterations from+1 .. to, as the trainer runs them; an LR shift extension halves lr after kLrShiftAt.
std::vector<double> run(Session& s, int from, int to) {
  std::vector<double> losses;
  for (int iteration = from + 1; iteration <= to; ++iteration) {
    Observation obs;
    s.step(obs);
    losses.push_back(observed(obs, "main/loss"));
    if (iteration == kLrShiftAt) REQUIRE(s.set_hyperparameter(0, "lr", *s.hyperparameter(0, "lr") * 0.5));
  }
  return losses;
}

at::Tensor as_tensor(const DLTensor& t) {
  REQUIRE(t.dtype.code == kDLFloat);
  REQUIRE(t.dtype.bits == 32);
  return at::from_blob(t.data, at::IntArrayRef(t.shape, static_cast<size_t>(t.ndim)),
                       at::IntArrayRef(t.strides, static_cast<size_t>(t.ndim)), at::kFloat);
}

// The first key where two trees differ, or "" when they are equal.
std::string first_difference(const state::MemoryTree& a, const state::MemoryTree& b) {
  for (const auto& [key, leaf] : a.leaves) {
    auto it = b.leaves.find(key);
    if (it == b.leaves.end()) return key + " (only in the first)";
    if (!(it->second == leaf)) return key;
  }
  for (const auto& [key, leaf] : b.leaves)
    if (!a.leaves.count(key)) return key + " (only in the second)";
  return "";
}

// Every parameter torch::equal, and the whole saved state (model, optimizer, epoch order, generators)
// byte for byte.
void check_identical(Session& expected, Session& actual) {
  REQUIRE(expected.parameter_count() == actual.parameter_count());
  for (size_t i = 0; i < expected.parameter_count(); ++i) {
    const char* name_e = nullptr;
    const char* name_a = nullptr;
    DLTensor e{}, a{};
    REQUIRE(expected.parameter(i, &name_e, &e));
    REQUIRE(actual.parameter(i, &name_a, &a));
    INFO("parameter " << name_e);
    CHECK(std::string(name_e) == name_a);
    CHECK(at::equal(as_tensor(e), as_tensor(a)));
  }
  CHECK(first_difference(save(expected), save(actual)) == "");
}

// N straight steps against k steps, save, a fresh session from the same manifest, load, N - k steps.
void check_resume(const Manifest& m, int k = kResumeAt, int n = kSteps) {
  auto straight = make_session(m);
  const std::vector<double> straight_losses = run(*straight, 0, n);

  auto first = make_session(m);
  const std::vector<double> first_losses = run(*first, 0, k);
  REQUIRE(first_losses == std::vector<double>(straight_losses.begin(), straight_losses.begin() + k));
  const state::MemoryTree snapshot = save(*first);

  auto resumed = make_session(m);
  load(*resumed, snapshot);
  CHECK(resumed->hyperparameter(0, "lr") == first->hyperparameter(0, "lr"));  // the shifted lr is back
  const std::vector<double> resumed_losses = run(*resumed, k, n);
  for (size_t i = 0; i < resumed_losses.size(); ++i) {
    INFO("iteration " << k + 1 + static_cast<int>(i));
    REQUIRE(std::isfinite(resumed_losses[i]));
    CHECK(resumed_losses[i] == straight_losses[static_cast<size_t>(k) + i]);
  }
  check_identical(*straight, *resumed);
}

void check_matrix(const Manifest& base) {
  for (const OptimizerCase& c : optimizer_cases()) {
    DYNAMIC_SECTION(c.label) {
      Manifest m = base;
      m.optimizer = c.config;
      check_resume(m);
    }
  }
}

TEST_CASE("resume is bit-identical for every optimizer: mlp", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  check_matrix(tiny_manifest(dir));
}

TEST_CASE("resume is bit-identical for every optimizer: cnn", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  m.model.builtin = "cnn";
  m.model.channels = {4, 8};
  check_matrix(m);
}

TEST_CASE("resume is bit-identical for every optimizer: TorchScript with batch norm", "[torch][resume][torchscript]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  m.model.builtin = "";
  m.model.torchscript = make_script_model(dir);
  // The buffers are part of the state, under their Python names.
  const state::MemoryTree tree = save(*make_session(m));
  CHECK(tree.leaves.count("model/bn.running_mean") == 1);
  CHECK(tree.leaves.count("model/bn.running_var") == 1);
  REQUIRE(tree.leaves.count("model/bn.num_batches_tracked") == 1);
  CHECK(std::get<state::TensorLeaf>(tree.leaves.at("model/bn.num_batches_tracked")).dtype.bits == 64);
  check_matrix(m);
}

TEST_CASE("resume is bit-identical wherever the epoch stands", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  m.optimizer.name = "adam";
  m.optimizer.lr = 1e-3;
  m.optimizer.amsgrad = true;
  // 0: nothing drawn yet and no optimizer state; 6: an epoch just ended; 7: the first batch of epoch 2.
  for (int k : {0, 1, 5, 6, 7, 12}) {
    DYNAMIC_SECTION("k = " << k) { check_resume(m, k, 14); }
  }
  SECTION("without shuffling") {
    m.data.shuffle = false;
    check_resume(m);
  }
}

TEST_CASE("resume is bit-identical with accumulation and clipping wherever the update stands", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  m.optimizer.name = "sgd";
  m.optimizer.lr = 0.05;
  m.optimizer.momentum = 0.9;
  // 6 batches per epoch, 4 per update: iterations of 4 and 2 batches, alternating.
  m.trainer.accumulate = 4;
  REQUIRE(make_session(m)->iterations_per_epoch() == 2);
  SECTION("norm clipping") {
    m.trainer.clip_grad_norm = 0.5;
    for (int k : {1, 2, 3}) {
      DYNAMIC_SECTION("k = " << k) { check_resume(m, k, 7); }
    }
  }
  SECTION("infinity-norm clipping") {
    m.trainer.clip_grad_norm = 0.05;
    m.trainer.clip_norm_type = std::numeric_limits<double>::infinity();
    check_resume(m, 3, 7);
  }
  SECTION("value clipping") {
    m.trainer.clip_grad_value = 0.01;
    check_resume(m, 3, 7);
  }
}

TEST_CASE("loading replaces what a session that already trained holds", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  for (const std::string name : {"adam", "rmsprop", "sgd"}) {
    DYNAMIC_SECTION(name) {
      m.optimizer = OptimizerConfig{};
      m.optimizer.name = name;
      m.optimizer.lr = 1e-3;
      m.optimizer.momentum = name == "adam" ? 0.0 : 0.9;
      auto straight = make_session(m);
      const std::vector<double> straight_losses = run(*straight, 0, 10);

      // A snapshot of a fresh session has no optimizer state: loading it must drop the state a trained
      // session has, not keep it.
      const state::MemoryTree fresh = save(*make_session(m));
      CHECK(first_difference(fresh, fresh) == "");
      for (const auto& [key, leaf] : fresh.leaves) CHECK(key.rfind("optimizer/state/", 0) != 0);
      auto trained = make_session(m);
      run(*trained, 0, 7);
      load(*trained, fresh);
      CHECK(run(*trained, 0, 10) == straight_losses);
      check_identical(*straight, *trained);
    }
  }
}

TEST_CASE("the state tree holds what Note [Session state] lists", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  m.optimizer.name = "adam";
  m.optimizer.lr = 1e-3;
  auto session = make_session(m);
  run(*session, 0, 3);
  const state::MemoryTree tree = save(*session);
  auto tensor = [&](const std::string& key) -> const state::TensorLeaf& {
    INFO(key);
    REQUIRE(tree.leaves.count(key) == 1);
    return std::get<state::TensorLeaf>(tree.leaves.at(key));
  };
  CHECK(tensor("model/1.weight").shape == std::vector<int64_t>{32, 784});
  CHECK(tensor("model/4.bias").shape == std::vector<int64_t>{10});  // Flatten, Linear, ReLU, Dropout, Linear
  CHECK(std::get<std::string>(tree.leaves.at("optimizer/name")) == "adam");
  CHECK(std::get<double>(tree.leaves.at("optimizer/groups/0/lr")) == 1e-3 * 0.5);
  CHECK(std::get<double>(tree.leaves.at("optimizer/groups/0/beta2")) == 0.999);
  CHECK(std::get<bool>(tree.leaves.at("optimizer/groups/0/amsgrad")) == false);
  CHECK(std::get<int64_t>(tree.leaves.at("optimizer/groups/0/param_count")) == 4);
  for (int i = 0; i < 4; ++i) {
    const std::string p = "optimizer/state/" + std::to_string(i) + "/";
    CHECK(std::get<int64_t>(tree.leaves.at(p + "step")) == 3);
    CHECK(tensor(p + "exp_avg").shape == tensor(p + "exp_avg_sq").shape);
    CHECK(tree.leaves.count(p + "max_exp_avg_sq") == 0);  // amsgrad off: no buffer
  }
  CHECK(std::get<int64_t>(tree.leaves.at("updater/epoch")) == 1);
  CHECK(std::get<int64_t>(tree.leaves.at("updater/position")) == 48);
  CHECK(tensor("updater/order").shape == std::vector<int64_t>{kExamples});
  CHECK(std::get<std::vector<uint8_t>>(tree.leaves.at("updater/order_generator")).size() > 0);
  CHECK(std::get<std::vector<uint8_t>>(tree.leaves.at("updater/default_generator")).size() > 0);

  // A fresh session: no order drawn yet, no optimizer state.
  const state::MemoryTree fresh = save(*make_session(m));
  CHECK(fresh.leaves.count("updater/order") == 0);
  CHECK(std::get<int64_t>(fresh.leaves.at("updater/epoch")) == 0);
}

TEST_CASE("visit_model saves and loads only the model", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest m = tiny_manifest(dir);
  auto trained = make_session(m);
  run(*trained, 0, 5);
  state::MemoryTree tree;
  {
    state::MemorySaver saver(tree);
    trained->visit_model(saver);
  }
  for (const auto& [key, leaf] : tree.leaves) CHECK(key.rfind("model/", 0) == 0);
  CHECK(tree.leaves.size() == 4);
  auto fresh = make_session(m);
  CHECK(parameter_bytes(*fresh) != parameter_bytes(*trained));
  state::MemoryLoader loader(tree);
  fresh->visit_model(loader);
  CHECK(parameter_bytes(*fresh) == parameter_bytes(*trained));
}

// A refused load must leave the session exactly as it was: its next steps equal an untouched twin's.
void check_refused(const Manifest& m, const state::MemoryTree& tree, const std::string& why) {
  auto session = make_session(m);
  auto twin = make_session(m);
  run(*session, 0, 2);
  run(*twin, 0, 2);
  INFO("expected: " << why);
  CHECK_THROWS_MATCHES(load(*session, tree), ResumeError,
                       Catch::Matchers::Predicate<ResumeError>(
                           [&](const ResumeError& e) { return std::string(e.what()).find(why) != std::string::npos; },
                           "message contains \"" + why + "\""));
  CHECK(run(*session, 2, 4) == run(*twin, 2, 4));
  check_identical(*twin, *session);
}

TEST_CASE("a snapshot that does not fit the manifest is a ResumeError and changes nothing", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  Manifest base = tiny_manifest(dir);
  base.optimizer.name = "adam";
  base.optimizer.lr = 1e-3;
  auto saved = make_session(base);
  run(*saved, 0, 4);
  const state::MemoryTree good = save(*saved);

  SECTION("another optimizer") {
    Manifest m = base;
    m.optimizer = OptimizerConfig{};
    m.optimizer.name = "sgd";
    check_refused(m, good, "snapshot was taken with adam, manifest says sgd");
  }
  SECTION("another model shape") {
    Manifest m = base;
    m.model.hidden = {16};
    check_refused(m, good, "model parameter \"1.weight\": saved as float32 [32, 784], expected float32 [16, 784]");
  }
  SECTION("another model") {
    Manifest m = base;
    m.model.builtin = "cnn";
    m.model.channels = {4};
    check_refused(m, good, "the snapshot has no model parameter \"0.weight\"");
  }
  SECTION("a missing parameter") {
    state::MemoryTree tree = good;
    tree.leaves.erase("model/4.bias");
    check_refused(base, tree, "the snapshot has no model parameter \"4.bias\"");
  }
  SECTION("a parameter of another dtype") {
    state::MemoryTree tree = good;
    auto& leaf = std::get<state::TensorLeaf>(tree.leaves.at("model/1.bias"));
    leaf.dtype.bits = 64;
    leaf.data.resize(leaf.data.size() * 2);
    check_refused(base, tree, "model parameter \"1.bias\": saved as float64 [32], expected float32 [32]");
  }
  SECTION("optimizer state that does not fit its parameter") {
    state::MemoryTree tree = good;
    auto& leaf = std::get<state::TensorLeaf>(tree.leaves.at("optimizer/state/3/exp_avg"));
    leaf.shape = {5};
    leaf.data.resize(20);
    check_refused(base, tree, "optimizer state of parameter 3 exp_avg: saved as float32 [5], expected float32 [10]");
  }
  SECTION("optimizer state with a step but no moments") {
    state::MemoryTree tree = good;
    tree.leaves.erase("optimizer/state/0/exp_avg_sq");
    check_refused(base, tree, "optimizer state of parameter 0: the snapshot has a step count but no exp_avg_sq");
  }
  SECTION("another number of parameters") {
    state::MemoryTree tree = good;
    tree.leaves["optimizer/groups/0/param_count"] = int64_t{6};
    check_refused(base, tree, "the snapshot has 6 parameters, the model has 4");
  }
  SECTION("another type under a key") {
    state::MemoryTree tree = good;
    tree.leaves["updater/epoch"] = std::string("one");
    check_refused(base, tree, "updater/epoch");
  }
  SECTION("an epoch order that is not a permutation") {
    state::MemoryTree tree = good;
    auto& order = std::get<state::TensorLeaf>(tree.leaves.at("updater/order"));
    std::memcpy(order.data.data(), order.data.data() + 8, 8);  // order[0] = order[1]
    check_refused(base, tree, "not a permutation");
  }
  SECTION("an epoch order for other data") {
    write_tiny_split(dir.path(), "other", 50);
    Manifest m = base;
    m.data.train = "other";
    check_refused(m, good, "saved for 90 examples, but the training data has 50");
  }
  SECTION("a damaged default generator state") {
    state::MemoryTree tree = good;
    std::get<std::vector<uint8_t>>(tree.leaves.at("updater/default_generator")).resize(100);
    check_refused(base, tree, "default_generator: bad generator state");
  }
}

TEST_CASE("init_model_from speaks of the file it reads, not of a snapshot", "[torch][resume]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", kExamples);
  const Manifest m = tiny_manifest(dir);
  auto trained = make_session(m);
  run(*trained, 0, 2);
  state::MemoryTree weights;
  {
    state::MemorySaver saver(weights);
    trained->visit_model(saver);
  }
  weights.leaves.erase("model/4.bias");
  auto fresh = make_session(m);
  CHECK_THROWS_WITH(fresh->init_model_from(weights, /*strict=*/true), "the file has no model parameter \"4.bias\"");
  CHECK(fresh->init_model_from(weights, /*strict=*/false) == "loaded 3 of 4 model tensors; kept as initialised: 4.bias");
}

}  // namespace
}  // namespace trainkit::testing
