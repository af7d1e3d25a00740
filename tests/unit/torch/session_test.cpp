// runtime/torch/session: a whole LibTorch session built from a Manifest struct (not from TOML).
#include "torch/session.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

double train_loss(Session& session) {
  Observation obs;
  session.evaluate("train", "train", obs);
  return observed(obs, "train/main/loss");
}

TEST_CASE("iterations_per_epoch is ceil(examples / batch_size)", "[torch][session]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", 10);
  Manifest m;
  m.data.root = dir.path().string();
  m.data.train = "tiny";
  m.data.validation = "";
  m.data.batch_size = 4;
  auto session = make_session(m);
  CHECK(session->train_size() == 10);
  CHECK(session->iterations_per_epoch() == 3);

  m.data.batch_size = 5;
  CHECK(make_session(m)->iterations_per_epoch() == 2);
  m.data.train_limit = 7;
  m.data.batch_size = 64;
  session = make_session(m);
  CHECK(session->train_size() == 7);
  CHECK(session->iterations_per_epoch() == 1);
}

TEST_CASE("iterations_per_epoch on Fashion-MNIST with limits", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.data.train_limit = 1000;
  CHECK(make_session(m)->iterations_per_epoch() == 16);  // 15 full batches and one of 40
  m.data.train_limit = 1024;
  CHECK(make_session(m)->iterations_per_epoch() == 16);
  m.data.train_limit = 0;
  m.data.validation_limit = 0;
  auto full = make_session(m);
  CHECK(full->train_size() == 60000);
  CHECK(full->iterations_per_epoch() == 938);
}

TEST_CASE("the same seed trains bit-identical parameters and another seed does not", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.trainer.seed = 1234;
  m.model.dropout = 0.2;  // draws from the default generator every step
  auto a = make_session(m);
  auto b = make_session(m);
  m.trainer.seed = 1235;
  auto c = make_session(m);
  CHECK(parameter_bytes(*a) == parameter_bytes(*b));
  CHECK(parameter_bytes(*a) != parameter_bytes(*c));
  // Interleaved on purpose: each session keeps its own generator states, so the sessions do not
  // perturb each other (Note [Each session owns its default-generator state]).
  for (int i = 0; i < 20; ++i) {
    Observation oa, ob, oc;
    a->step(oa);
    c->step(oc);
    b->step(ob);
    REQUIRE(observed(oa, "main/loss") == observed(ob, "main/loss"));
  }
  CHECK(parameter_bytes(*a) == parameter_bytes(*b));
  CHECK(parameter_bytes(*a) != parameter_bytes(*c));
}

TEST_CASE("every optimizer trains, and its hyperparameters round-trip by name", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  struct Case {
    std::string name;
    double lr;
    std::vector<std::string> knobs;
  };
  const std::vector<Case> cases{
      {"sgd", 0.05, {"lr", "momentum", "dampening", "weight_decay", "nesterov"}},
      {"adam", 1e-3, {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"}},
      {"adamw", 1e-3, {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"}},
      {"rmsprop", 1e-3, {"lr", "alpha", "eps", "weight_decay", "momentum", "centered"}},
      {"adagrad", 0.05, {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Manifest m = small_fashion_manifest();
      m.optimizer = OptimizerConfig{};
      m.optimizer.name = c.name;
      m.optimizer.lr = c.lr;
      auto session = make_session(m);
      CHECK(session->optimizer_name() == c.name);
      REQUIRE(session->param_group_count() == 1);

      const double before = train_loss(*session);
      Observation obs;
      for (int i = 0; i < 50; ++i) session->step(obs);
      const double after = train_loss(*session);
      INFO(c.name << ": train loss " << before << " -> " << after);
      CHECK(std::isfinite(after));
      CHECK(after < 0.8 * before);

      CHECK(session->hyperparameter(0, "lr") == Approx(c.lr));
      for (const std::string& knob : c.knobs) {
        INFO(knob);
        REQUIRE(session->hyperparameter(0, knob).has_value());
        const double value = knob == "nesterov" || knob == "amsgrad" || knob == "centered" ? 1.0 : 0.125;
        if (knob == "nesterov") session->set_hyperparameter(0, "momentum", 0.5);
        CHECK(session->set_hyperparameter(0, knob, value));
        CHECK(session->hyperparameter(0, knob) == value);
      }
      session->step(obs);  // the optimizer still steps with every value changed
      CHECK(std::isfinite(observed(obs, "main/loss")));
      CHECK_FALSE(session->hyperparameter(0, "no_such_knob").has_value());
      CHECK_FALSE(session->set_hyperparameter(0, "no_such_knob", 1.0));
      CHECK_FALSE(session->hyperparameter(1, "lr").has_value());
      CHECK_FALSE(session->set_hyperparameter(1, "lr", 1.0));
    }
  }
}

TEST_CASE("optimizer defaults the manifest leaves to the optimizer", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.optimizer = OptimizerConfig{};
  m.optimizer.name = "adamw";
  CHECK(make_session(m)->hyperparameter(0, "weight_decay") == Approx(0.01));
  m.optimizer.weight_decay_given = 0.0;
  CHECK(make_session(m)->hyperparameter(0, "weight_decay") == 0.0);
  m.optimizer = OptimizerConfig{};
  m.optimizer.name = "adagrad";
  CHECK(make_session(m)->hyperparameter(0, "eps") == Approx(1e-10));
  m.optimizer.eps_given = 1e-6;
  CHECK(make_session(m)->hyperparameter(0, "eps") == Approx(1e-6));
  m.optimizer = OptimizerConfig{};
  m.optimizer.name = "adam";
  m.optimizer.beta1 = 0.8;
  m.optimizer.beta2 = 0.95;
  auto adam = make_session(m);
  CHECK(adam->hyperparameter(0, "beta1") == Approx(0.8));
  CHECK(adam->hyperparameter(0, "beta2") == Approx(0.95));
}

TEST_CASE("nll and mse losses train too", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  for (const std::string loss : {"nll", "mse"}) {
    INFO(loss);
    Manifest m = small_fashion_manifest();
    m.loss.name = loss;
    m.optimizer.lr = loss == "mse" ? 0.1 : 0.05;
    auto session = make_session(m);
    const double before = train_loss(*session);
    Observation obs;
    for (int i = 0; i < 50; ++i) session->step(obs);
    CHECK(train_loss(*session) < 0.9 * before);
    CHECK_THAT(session->describe(), Contains(loss + " loss"));
  }
}

TEST_CASE("a small cnn trains", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.model.builtin = "cnn";
  m.model.channels = {8, 16};
  m.optimizer.lr = 0.02;
  auto session = make_session(m);
  // conv 1->8: 80, conv 8->16: 1168, linear 16*7*7 -> 10: 7850
  CHECK_THAT(session->describe(), Contains("(9,098 parameters)"));
  const double before = train_loss(*session);
  Observation obs;
  for (int i = 0; i < 30; ++i) session->step(obs);
  CHECK(train_loss(*session) < before);
}

TEST_CASE("step and evaluate report Chainer's keys with sane values", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.model.dropout = 0.5;
  auto session = make_session(m);
  Observation obs;
  session->step(obs);
  CHECK(observed(obs, "main/loss") > 0);
  CHECK(observed(obs, "main/accuracy") >= 0);
  CHECK(observed(obs, "main/accuracy") <= 1);

  for (int i = 0; i < 60; ++i) session->step(obs);
  const auto params = parameter_bytes(*session);
  Observation first, second;
  session->evaluate("validation", "validation", first);
  session->evaluate("validation", "validation", second);
  CHECK(first.items().size() == 2);
  const double loss = observed(first, "validation/main/loss");
  const double accuracy = observed(first, "validation/main/accuracy");
  CHECK(loss > 0);
  CHECK(loss < 2.3);  // better than chance (ln 10) after an epoch on 2000 examples
  CHECK(accuracy > 0.4);
  CHECK(accuracy <= 1);
  // Eval mode: dropout is off, so evaluating twice agrees exactly and changes no parameter.
  CHECK(observed(second, "validation/main/loss") == loss);
  CHECK(parameter_bytes(*session) == params);
  // 500 examples: the accuracy is a whole number of correct answers over all of them.
  CHECK(std::fabs(accuracy * 500 - std::round(accuracy * 500)) < 1e-9);

  session->evaluate("train", "train", obs);
  CHECK(observed(obs, "train/main/accuracy") > 0.4);
  CHECK_THROWS_WITH(session->evaluate("valdation", "x", obs), Contains("did you mean \"validation\""));

  m.data.validation = "";
  CHECK_THROWS_AS(make_session(m)->evaluate("validation", "validation", obs), ConfigError);
}

TEST_CASE("parameters and gradients are borrowed as live CPU DLTensors", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.model.hidden = {32};
  auto session = make_session(m);
  REQUIRE(session->parameter_count() == 4);
  const char* name = nullptr;
  DLTensor weight{};
  REQUIRE(session->parameter(0, &name, &weight));
  CHECK(std::string(name) == "1.weight");  // Python's nn.Sequential(Flatten(), Linear, ReLU, Linear) names
  CHECK(weight.ndim == 2);
  CHECK(weight.shape[0] == 32);
  CHECK(weight.shape[1] == 784);
  CHECK(weight.strides[0] == 784);
  CHECK(weight.strides[1] == 1);
  CHECK(weight.dtype.code == kDLFloat);
  CHECK(weight.dtype.bits == 32);
  CHECK(weight.dtype.lanes == 1);
  CHECK(weight.device.device_type == kDLCPU);
  REQUIRE(session->parameter(3, &name, nullptr));
  CHECK(std::string(name) == "3.bias");
  CHECK_FALSE(session->parameter(4, &name, &weight));

  DLTensor grad{};
  CHECK_FALSE(session->gradient(0, &grad));  // no backward yet
  // The centre pixel: Fashion-MNIST's corners are always 0, so their weights get no gradient.
  const size_t centre = 14 * 28 + 14;
  const float before = static_cast<const float*>(weight.data)[centre];
  Observation obs;
  session->step(obs);
  REQUIRE(session->gradient(0, &grad));
  CHECK(grad.shape[0] == 32);
  CHECK(grad.data != weight.data);
  // The borrowed view is the live tensor: the optimizer's in-place update shows through it.
  CHECK(static_cast<const float*>(weight.data)[centre] != before);
  CHECK_FALSE(session->gradient(4, &grad));
}

TEST_CASE("describe() summarises model, optimizer and data", "[torch][session][fashion]") {
  TK_REQUIRE_DATA();
  Manifest m = small_fashion_manifest();
  m.model.hidden = {256};
  m.data.train_limit = 0;
  m.data.validation_limit = 0;
  CHECK(make_session(m)->describe() ==
        "mlp 784-256-10 (203,530 parameters); sgd lr=0.05 momentum=0.9; "
        "60000 train / 10000 validation examples, batch 64, 938 iterations per epoch");
}

TEST_CASE("configuration mistakes are ConfigErrors that say what is wrong", "[torch][session]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", 20);
  Manifest base;
  base.data.root = dir.path().string();
  base.data.train = "tiny";
  base.data.validation = "tiny";
  REQUIRE_NOTHROW(make_session(base));

  auto refuses = [](const Manifest& m, const std::string& why) {
    INFO(why);
    CHECK_THROWS_MATCHES(make_session(m), ConfigError, Catch::Matchers::Predicate<ConfigError>([&](const ConfigError& e) {
                           return std::string(e.what()).find(why) != std::string::npos;
                         }, "message contains \"" + why + "\""));
  };
  Manifest m = base;
  m.optimizer.name = "rmsprob";
  refuses(m, "did you mean \"rmsprop\"");
  m = base;
  m.optimizer.lr = -1;
  refuses(m, "optimizer.lr must be >= 0");
  m = base;
  m.optimizer.nesterov = true;
  refuses(m, "nesterov needs momentum > 0");
  m = base;
  m.loss.name = "cross_entropi";
  refuses(m, "did you mean \"cross_entropy\"");
  m = base;
  m.model.builtin = "resnet";
  refuses(m, "\"resnet\" is not a builtin model");
  m = base;
  m.model.hidden = {0};
  refuses(m, "model.hidden");
  m = base;
  m.model.builtin = "cnn";
  m.model.channels = {4, 4, 4, 4, 4, 4};
  refuses(m, "pooled down to nothing");
  m = base;
  m.model.dropout = 1.0;
  refuses(m, "model.dropout");
  m = base;
  m.model.torchscript = dir / "absent.pt";
  refuses(m, "absent.pt");
  m = base;
  m.data.train = "absent";
  refuses(m, dir / "absent-images-idx3-ubyte.gz");
  m = base;
  m.data.validation = "absent";
  refuses(m, dir / "absent-images-idx3-ubyte");
  m = base;
  m.data.batch_size = 0;
  refuses(m, "data.batch_size");
  m = base;
  m.data.format = "parquet";
  refuses(m, "data.format");

  // With a manifest position the message starts with it.
  m = base;
  m.optimizer.name = "lion";
  m.optimizer.pos = SourcePos{"manifest.toml", 41, 1};
  refuses(m, "manifest.toml:41:1: optimizer.name \"lion\"");
}

}  // namespace
}  // namespace trainkit::testing
