// runtime/torch/step, loss and device through a whole session: each loss on class and value targets, what
// accuracy means, accumulation, clipping, evaluation batches and devices (Note [One update, many batches],
// Note [Targets of a loss], Note [Tensors cross devices at the edges]).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "catalogue/losses.h"
#include "core/error.h"
#include "torch/session.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

// `count` tiny examples (28x28 images, labels i % 10), no validation split, plain SGD, a small MLP.
Manifest tiny(const TempDir& dir, uint32_t count, int64_t batch_size) {
  write_tiny_split(dir.path(), "tiny", count);
  Manifest m;
  m.trainer.seed = 3;
  m.data.root = dir.path().string();
  m.data.train = "tiny";
  m.data.validation = "";
  m.data.batch_size = batch_size;
  m.data.shuffle = false;
  m.model.hidden = {16};
  m.optimizer.lr = 0.5;
  return m;
}

std::vector<float> parameter_values(Session& session) {
  std::vector<float> out;
  for (size_t i = 0; i < session.parameter_count(); ++i) {
    DLTensor t{};
    REQUIRE(session.parameter(i, nullptr, &t));
    int64_t n = 1;
    for (int d = 0; d < t.ndim; ++d) n *= t.shape[d];
    const auto* p = static_cast<const float*>(t.data);
    out.insert(out.end(), p, p + n);
  }
  return out;
}

// Every gradient element, parameter after parameter.
std::vector<float> gradient_values(Session& session) {
  std::vector<float> out;
  for (size_t i = 0; i < session.parameter_count(); ++i) {
    DLTensor t{};
    REQUIRE(session.gradient(i, &t));
    int64_t n = 1;
    for (int d = 0; d < t.ndim; ++d) n *= t.shape[d];
    const auto* p = static_cast<const float*>(t.data);
    out.insert(out.end(), p, p + n);
  }
  return out;
}

Observation step(Session& session) {
  Observation obs;
  session.step(obs);
  return obs;
}

TEST_CASE("every loss trains on class labels and reports accuracy", "[torch][step]") {
  TempDir dir;
  for (const std::string& loss : catalogue::loss_names()) {
    INFO(loss);
    Manifest m = tiny(dir, 20, 10);
    m.loss.name = loss;
    auto session = make_session(m);
    const Observation obs = step(*session);
    CHECK(std::isfinite(observed(obs, "main/loss")));
    const double accuracy = observed(obs, "main/accuracy");
    CHECK((accuracy >= 0 && accuracy <= 1));
  }
}

TEST_CASE("value targets: mse, l1 and smooth_l1 report no accuracy, bce_with_logits a binary one", "[torch][step]") {
  TempDir dir;
  // An autoencoder: the image is both the input and the target; the MLP ends with 784 outputs.
  for (const std::string loss : {"mse", "l1", "smooth_l1", "bce_with_logits"}) {
    INFO(loss);
    Manifest m = tiny(dir, 20, 10);
    m.model.target = "image";
    m.loss.name = loss;
    auto session = make_session(m);
    CHECK_THAT(session->describe(), Contains("mlp 784-16-784") && Contains(loss + " loss of image against image"));
    const Observation obs = step(*session);
    CHECK(std::isfinite(observed(obs, "main/loss")));
    CHECK(obs.find("main/accuracy").has_value() == (loss == "bce_with_logits"));
  }
  Manifest m = tiny(dir, 20, 10);
  m.model.target = "image";
  m.loss.name = "cross_entropy";
  auto session = make_session(m);
  CHECK_THROWS_AS(step(*session), TrainingError);  // a float target must be probabilities of the output's shape
}

TEST_CASE("loss keys change the loss: label_smoothing and beta", "[torch][step]") {
  TempDir dir;
  auto first_loss = [&](const LossConfig& loss) {
    Manifest m = tiny(dir, 20, 10);
    m.loss = loss;
    auto session = make_session(m);
    return observed(step(*session), "main/loss");
  };
  LossConfig ce;
  LossConfig smoothed = ce;
  smoothed.label_smoothing = 0.2;
  CHECK(first_loss(ce) != first_loss(smoothed));
  LossConfig huber;
  huber.name = "smooth_l1";
  LossConfig narrow = huber;
  narrow.beta = 0.01;
  CHECK(first_loss(huber) != first_loss(narrow));
  LossConfig bad;
  bad.label_smoothing = 2;
  Manifest m = tiny(dir, 20, 10);
  m.loss = bad;
  CHECK_THROWS_WITH(make_session(m), Contains("loss.label_smoothing must be in [0, 1], got 2"));
}

TEST_CASE("a missing field is named with the fields there are", "[torch][step]") {
  TempDir dir;
  Manifest m = tiny(dir, 20, 10);
  m.model.input = "x";
  CHECK_THROWS_AS(make_session(m), ConfigError);
  m.model.input = "image";
  m.model.target = "y";
  CHECK_THROWS_AS(make_session(m), ConfigError);
}

TEST_CASE("accumulating N batches is one update on N times the examples", "[torch][step][accumulate]") {
  TempDir dir;
  // 10 examples. Batches of 2, four per update: updates of 8 and 2 examples, as batches of 8 make.
  Manifest accumulated = tiny(dir, 10, 2);
  accumulated.trainer.accumulate = 4;
  Manifest large = tiny(dir, 10, 8);
  auto a = make_session(accumulated);
  auto b = make_session(large);
  CHECK(a->iterations_per_epoch() == 2);
  CHECK(b->iterations_per_epoch() == 2);
  CHECK_THAT(a->describe(), Contains("batch 2 x 4 accumulated, 2 iterations per epoch"));
  REQUIRE(parameter_values(*a) == parameter_values(*b));
  // Two epochs: the second update of each epoch is the short one, and the epoch ends with it.
  for (int i = 0; i < 4; ++i) {
    INFO("update " << i + 1);
    const Observation oa = step(*a);
    const Observation ob = step(*b);
    // The short update is one batch of 2 in both; a full one is the mean over four batches of 2.
    CHECK(observed(oa, "main/loss") == Approx(observed(ob, "main/loss")).epsilon(1e-5));
    const std::vector<float> pa = parameter_values(*a), pb = parameter_values(*b);
    REQUIRE(pa.size() == pb.size());
    for (size_t j = 0; j < pa.size(); ++j) REQUIRE(pa[j] == Approx(pb[j]).margin(1e-5));
  }
}

TEST_CASE("clip_grad_norm bounds the gradients' norm, clip_grad_value every element", "[torch][step][clip]") {
  TempDir dir;
  auto norm = [](const std::vector<float>& g, double p) {
    double total = 0, largest = 0;
    for (float x : g) {
      total += std::pow(std::abs(x), p);
      largest = std::max(largest, static_cast<double>(std::abs(x)));
    }
    return std::isinf(p) ? largest : std::pow(total, 1 / p);
  };
  Manifest m = tiny(dir, 20, 10);
  auto plain = make_session(m);
  step(*plain);
  const double unclipped = norm(gradient_values(*plain), 2);
  REQUIRE(unclipped > 0.1);

  m.trainer.clip_grad_norm = unclipped / 4;
  auto clipped = make_session(m);
  step(*clipped);
  CHECK(norm(gradient_values(*clipped), 2) == Approx(unclipped / 4).epsilon(1e-4));

  m.trainer.clip_norm_type = std::numeric_limits<double>::infinity();
  m.trainer.clip_grad_norm = 1e-3;
  auto by_largest = make_session(m);
  step(*by_largest);
  CHECK(norm(gradient_values(*by_largest), m.trainer.clip_norm_type) == Approx(1e-3).epsilon(1e-4));

  m.trainer.clip_grad_norm.reset();
  m.trainer.clip_grad_value = 1e-4;
  auto by_value = make_session(m);
  step(*by_value);
  for (float g : gradient_values(*by_value)) REQUIRE(std::abs(g) <= 1e-4f);
  CHECK_THAT(by_value->describe(), Contains("gradients clipped to +-0.0001"));
}

TEST_CASE("evaluation gives the same means whatever eval_batch_size", "[torch][step]") {
  TempDir dir;
  Manifest m = tiny(dir, 30, 4);
  auto session = make_session(m);
  step(*session);
  Observation whole, chunked;
  session->evaluate("train", "", whole);
  m.data.eval_batch_size = 7;
  auto other = make_session(m);
  step(*other);
  other->evaluate("train", "", chunked);
  CHECK(observed(chunked, "main/loss") == Approx(observed(whole, "main/loss")).epsilon(1e-6));
  CHECK(observed(chunked, "main/accuracy") == Approx(observed(whole, "main/accuracy")).epsilon(1e-12));
}

TEST_CASE("devices: cpu and auto train here; CUDA without a CUDA LibTorch is a ConfigError saying how to build", "[torch][device]") {
  TempDir dir;
  Manifest m = tiny(dir, 20, 10);
  m.trainer.device = "auto";
  auto automatic = make_session(m);
  CHECK_THAT(automatic->describe(), Contains("; on cpu"));
  m.trainer.device = "cpu";
  auto cpu = make_session(m);
  CHECK(parameter_values(*automatic) == parameter_values(*cpu));
  step(*automatic);
  step(*cpu);
  CHECK(parameter_values(*automatic) == parameter_values(*cpu));
  for (const std::string cuda : {"cuda", "cuda:0"}) {
    m.trainer.device = cuda;
    CHECK_THROWS_WITH(make_session(m), Contains("trainer.device = \"" + cuda + "\"") &&
                                           Contains("LibTorch without CUDA") &&
                                           Contains("-DCMAKE_PREFIX_PATH=/path/to/libtorch"));
    CHECK_THROWS_AS(make_session(m), ConfigError);
  }
}

}  // namespace
}  // namespace trainkit::testing
