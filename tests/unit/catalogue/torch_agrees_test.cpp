// The LibTorch side builds, reads and bounds exactly what the catalogue lists: every optimizer with its
// defaults (which are LibTorch's own but for lr), every key the manifest accepts reaching the LibTorch
// optimizer, every builtin model and every loss.
#include <torch/torch.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../torch/torch_fixtures.h"
#include "catalogue/losses.h"
#include "catalogue/models.h"
#include "catalogue/optimizers.h"
#include "core/error.h"
#include "manifest/manifest.h"
#include "probe.h"
#include "torch/model/model.h"
#include "torch/optimizer/optimizer.h"

namespace trainkit::testing {
namespace {

using catalogue::OptimizerKey;
using Catch::Contains;

std::vector<at::Tensor> some_parameters() { return {torch::zeros({3, 2}, torch::requires_grad())}; }

std::vector<std::string> hyperparameters_of(const catalogue::OptimizerSpec& spec) {
  std::vector<std::string> names;
  for (const OptimizerKey* key : spec.keys) names.insert(names.end(), key->hyperparameters.begin(), key->hyperparameters.end());
  return names;
}

TEST_CASE("every optimizer of the catalogue builds with its defaults, which are LibTorch's but for lr", "[catalogue][torch]") {
  for (const auto& spec : catalogue::optimizers()) {
    INFO(spec.name);
    OptimizerConfig config;
    config.name = spec.name;
    optimizer::Optimizer opt(config, some_parameters());
    CHECK(opt.hyperparameter_names() == hyperparameters_of(spec));
    // describe() shows lr and whatever differs from LibTorch's own default.
    CHECK(opt.describe() == spec.name + " lr=0.01");
  }
}

TEST_CASE("every key the manifest accepts reaches the LibTorch optimizer", "[catalogue][torch][manifest]") {
  for (const auto& spec : catalogue::optimizers()) {
    for (const OptimizerKey* key : spec.keys) {
      INFO(spec.name << " " << key->name);
      std::vector<const OptimizerKey*> probed;
      const OptimizerConfig expected = catalogue::with_defaults(probed_config(spec, *key, &probed));
      const Manifest m = parse_manifest(optimizer_toml(expected, probed), "manifest.toml");
      optimizer::Optimizer opt(m.optimizer, some_parameters());
      for (const OptimizerKey* k : spec.keys) {
        const std::vector<double> values = catalogue::key_values(expected, *k);
        for (size_t i = 0; i < values.size(); ++i) {
          INFO(k->hyperparameters[i]);
          CHECK(opt.get(0, k->hyperparameters[i]) == values[i]);
        }
      }
    }
  }
}

TEST_CASE("the LibTorch side bounds a config built in code by the same ranges and rules", "[catalogue][torch]") {
  for (const auto& spec : catalogue::optimizers()) {
    for (const OptimizerKey* key : spec.keys) {
      if (key->type == OptimizerKey::Type::kFlag) continue;
      INFO(spec.name << " " << key->name);
      OptimizerConfig config;
      config.name = spec.name;
      std::vector<double> values = catalogue::key_values(catalogue::with_defaults(config), *key);
      values.back() = key->range.low_open ? key->range.low : key->range.low - 1;
      catalogue::set_key_values(config, *key, values);
      CHECK_THROWS_WITH(optimizer::Optimizer(config, some_parameters()),
                        Contains("optimizer." + key->name + " " + key->range.rule()));
    }
    for (const catalogue::OptimizerRule& rule : spec.rules) {
      INFO(spec.name << " " << rule.key);
      OptimizerConfig config;
      config.name = spec.name;
      catalogue::set_key_values(config, *catalogue::find_optimizer_key(rule.key), {1.0});
      REQUIRE(catalogue::broken_rule(catalogue::with_defaults(config)) == &rule);
      CHECK_THROWS_WITH(optimizer::Optimizer(config, some_parameters()), Contains("optimizer." + rule.key + " " + rule.text));
    }
  }
}

// Sets a [model] key in code; a key the catalogue gains needs a line here.
void set_model_key(ModelConfig& config, const std::string& key, double probe) {
  if (key == "hidden") {
    config.hidden = {static_cast<int64_t>(probe)};
  } else if (key == "channels") {
    config.channels = {static_cast<int64_t>(probe)};
  } else {
    REQUIRE(key == "dropout");
    config.dropout = probe;
  }
}

TEST_CASE("every builtin model builds and reads the keys the catalogue lists for it", "[catalogue][torch]") {
  const model::ModelIo shape;  // Fashion-MNIST: 1x28x28 images, 10 classes
  for (const auto& builtin : catalogue::builtin_models()) {
    INFO(builtin.name);
    ModelConfig config;
    config.builtin = builtin.name;
    const std::string plain = model::make_model(config, [&] { return shape; })->describe();
    for (const catalogue::ModelKey& key : catalogue::model_keys()) {
      INFO(key.name);
      const double probe = key.name == "dropout" ? 0.25 : 7;
      REQUIRE(key.range.admits(probe));
      ModelConfig changed = config;
      set_model_key(changed, key.name, probe);
      const bool read = std::find(builtin.keys.begin(), builtin.keys.end(), &key) != builtin.keys.end();
      CHECK((model::make_model(changed, [&] { return shape; })->describe() != plain) == read);
      ModelConfig outside = config;
      set_model_key(outside, key.name, key.range.low_open ? key.range.low : key.range.low - 1);
      if (read) CHECK_THROWS_WITH(model::make_model(outside, [&] { return shape; }), Contains("model." + key.name + " " + key.range.rule()));
    }
  }
}

TEST_CASE("every loss of the catalogue trains a step", "[catalogue][torch]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", 20);
  for (const std::string& loss : catalogue::loss_names()) {
    INFO(loss);
    Manifest m;
    m.data.root = dir.path().string();
    m.data.train = "tiny";
    m.data.validation = "";
    m.data.batch_size = 10;
    m.loss.name = loss;
    auto session = make_session(m);
    Observation obs;
    session->step(obs);
    CHECK(std::isfinite(observed(obs, "main/loss")));
  }
}

}  // namespace
}  // namespace trainkit::testing
