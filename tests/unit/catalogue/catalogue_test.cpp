// Tests for runtime/catalogue/ and the manifest's side of it: the tables are consistent, and the manifest
// reads, bounds and rejects exactly what the catalogue says. torch_agrees_test.cpp checks the LibTorch side.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "catalogue/losses.h"
#include "catalogue/models.h"
#include "catalogue/optimizers.h"
#include "core/error.h"
#include "manifest/manifest.h"
#include "probe.h"

namespace trainkit::testing {
namespace {

using catalogue::OptimizerKey;
using Catch::Contains;

std::string error_of(const std::string& text) {
  try {
    parse_manifest(text, "manifest.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool reads(const catalogue::OptimizerSpec& spec, const OptimizerKey& key) {
  return std::find(spec.keys.begin(), spec.keys.end(), &key) != spec.keys.end();
}

TEST_CASE("a range admits what its rule says and never NaN", "[catalogue]") {
  const auto at_least = catalogue::Range::at_least(0);
  CHECK(at_least.admits(0));
  CHECK_FALSE(at_least.admits(-1e-300));
  CHECK(at_least.rule() == "must be >= 0");
  const auto above = catalogue::Range::above(0);
  CHECK_FALSE(above.admits(0));
  CHECK(above.admits(1e-300));
  CHECK(above.rule() == "must be > 0");
  const auto unit = catalogue::Range::from_below(0, 1);
  CHECK(unit.admits(0));
  CHECK(unit.admits(0.999));
  CHECK_FALSE(unit.admits(1));
  CHECK(unit.rule() == "must be in [0, 1)");
  const auto closed = catalogue::Range::between(0, 1);
  CHECK(closed.admits(1));
  CHECK(closed.rule() == "must be in [0, 1]");
  const auto inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(above.admits(inf));
  const auto up_to_inf = catalogue::Range::above_or_inf(0);
  CHECK(up_to_inf.admits(inf));
  CHECK_FALSE(up_to_inf.admits(0));
  CHECK(up_to_inf.rule() == "must be > 0");
  for (const auto& range : {at_least, above, unit, closed, up_to_inf}) CHECK_FALSE(range.admits(std::nan("")));
}

TEST_CASE("the optimizer tables are consistent", "[catalogue]") {
  std::set<std::string> names;
  for (const auto& spec : catalogue::optimizers()) {
    INFO(spec.name);
    CHECK(names.insert(spec.name).second);
    CHECK(catalogue::find_optimizer(spec.name) == &spec);
    std::set<const OptimizerKey*> keys(spec.keys.begin(), spec.keys.end());
    CHECK(keys.size() == spec.keys.size());
    for (const auto& [key_name, value] : spec.defaults) {
      INFO(key_name);
      const OptimizerKey* key = catalogue::find_optimizer_key(key_name);
      REQUIRE(key != nullptr);
      CHECK(key->given != nullptr);  // only a key that records "given" can default per optimizer
      CHECK(reads(spec, *key));
      CHECK(key->range.admits(value));
    }
    // Its defaults pass its own checks.
    OptimizerConfig defaults;
    defaults.name = spec.name;
    defaults = catalogue::with_defaults(defaults);
    CHECK(catalogue::broken_rule(defaults) == nullptr);
    for (const OptimizerKey* key : spec.keys)
      if (key->type != OptimizerKey::Type::kFlag)
        for (double v : catalogue::key_values(defaults, *key)) CHECK(key->range.admits(v));
  }
  for (const OptimizerKey& key : catalogue::optimizer_keys()) {
    INFO(key.name);
    CHECK_FALSE(catalogue::optimizers_reading(key.name).empty());  // no key nothing reads
    CHECK(key.hyperparameters.size() == (key.type == OptimizerKey::Type::kPair ? 2u : 1u));
    if (key.type != OptimizerKey::Type::kPair) CHECK(key.hyperparameters[0] == key.name);
  }
}

TEST_CASE("the manifest reads every key of every optimizer into the field the catalogue names", "[catalogue][manifest]") {
  for (const auto& spec : catalogue::optimizers()) {
    for (const OptimizerKey* key : spec.keys) {
      INFO(spec.name << " " << key->name);
      std::vector<const OptimizerKey*> probed;
      const OptimizerConfig expected = probed_config(spec, *key, &probed);
      const std::string text = optimizer_toml(expected, probed);
      INFO(text);
      const Manifest m = parse_manifest(text, "manifest.toml");
      for (const OptimizerKey* k : spec.keys)
        CHECK(catalogue::key_values(m.optimizer, *k) == catalogue::key_values(catalogue::with_defaults(expected), *k));
    }
  }
}

TEST_CASE("the manifest rejects a key the chosen optimizer does not read, naming those that do", "[catalogue][manifest]") {
  for (const auto& spec : catalogue::optimizers()) {
    for (const OptimizerKey& key : catalogue::optimizer_keys()) {
      if (reads(spec, key)) continue;
      INFO(spec.name << " " << key.name);
      OptimizerConfig config;
      const std::string text = "[optimizer]\nname = \"" + spec.name + "\"\n" + key.name + " = " +
                               toml_of(key, catalogue::key_values(config, key)) + "\n";
      std::string users;
      for (const std::string& user : catalogue::optimizers_reading(key.name)) users += (users.empty() ? "" : ", ") + user;
      CHECK(error_of(text) == "manifest.toml:3:1: optimizer." + key.name + ": not used by \"" + spec.name +
                                  "\" (used by " + users + ")");
    }
  }
}

TEST_CASE("the manifest bounds each optimizer key by its catalogue range", "[catalogue][manifest]") {
  for (const auto& spec : catalogue::optimizers()) {
    for (const OptimizerKey* key : spec.keys) {
      if (key->type == OptimizerKey::Type::kFlag) continue;
      INFO(spec.name << " " << key->name);
      // The nearest value outside: the open low end itself, or below a closed one.
      const double outside = key->range.low_open ? key->range.low : key->range.low - 1;
      OptimizerConfig config;
      config.name = spec.name;
      std::vector<double> values = catalogue::key_values(config, *key);
      values.back() = outside;
      CHECK_THAT(error_of(optimizer_toml(config, {}) + key->name + " = " + toml_of(*key, values) + "\n"),
                 Contains("optimizer." + key->name) && Contains(": " + key->range.rule()));
    }
  }
}

TEST_CASE("lr = 0 is allowed as in PyTorch, eps = 0 is not", "[catalogue][manifest]") {
  CHECK(parse_manifest("[optimizer]\nlr = 0\n", "manifest.toml").optimizer.lr == 0.0);
  CHECK(error_of("[optimizer]\nname = \"adam\"\neps = 0\n") == "manifest.toml:3:7: optimizer.eps: must be > 0");
}

TEST_CASE("the model tables are consistent and the manifest takes every builtin", "[catalogue][manifest]") {
  std::set<const catalogue::ModelKey*> read;
  for (const auto& model : catalogue::builtin_models()) {
    INFO(model.name);
    CHECK(catalogue::find_builtin_model(model.name) == &model);
    for (const catalogue::ModelKey* key : model.keys) read.insert(key);
    CHECK(parse_manifest("[model]\nbuiltin = \"" + model.name + "\"\n", "manifest.toml").model.builtin == model.name);
  }
  CHECK(read.size() == catalogue::model_keys().size());  // no key nothing reads
  const catalogue::ModelKey& dropout = catalogue::model_key("dropout");
  CHECK(error_of("[model]\ndropout = 1.0\n") == "manifest.toml:2:11: model.dropout: " + dropout.range.rule());
  CHECK(error_of("[model]\nchannels = []\n") ==
        "manifest.toml:2:12: model.channels: " + catalogue::model_key("channels").when_empty);
}

TEST_CASE("the manifest takes every loss of the catalogue and only those", "[catalogue][manifest]") {
  for (const std::string& loss : catalogue::loss_names()) {
    INFO(loss);
    CHECK(parse_manifest("[loss]\nname = \"" + loss + "\"\n", "manifest.toml").loss.name == loss);
    CHECK(catalogue::is_loss(loss));
  }
  CHECK_FALSE(catalogue::is_loss("hinge"));
  CHECK_THAT(error_of("[loss]\nname = \"hinge\"\n"), Contains("is not one of \"cross_entropy\", \"mse\", \"nll\""));
}

TEST_CASE("the loss keys are consistent, bounded, and refused by a loss that does not read them", "[catalogue][manifest]") {
  std::set<const catalogue::LossKey*> read;
  for (const auto& loss : catalogue::losses()) {
    CHECK(catalogue::find_loss(loss.name) == &loss);
    for (const catalogue::LossKey* key : loss.keys) {
      INFO(loss.name << " " << key->name);
      read.insert(key);
      const double probe = probe_number(key->range, LossConfig{}.*key->field);
      const std::string table = "[loss]\nname = \"" + loss.name + "\"\n" + key->name + " = " + std::to_string(probe) + "\n";
      CHECK(parse_manifest(table, "manifest.toml").loss.*key->field == Approx(probe));
      const double outside = key->range.low - 1;
      CHECK_THAT(error_of("[loss]\nname = \"" + loss.name + "\"\n" + key->name + " = " + std::to_string(outside) + "\n"),
                 Contains("loss." + key->name + ": " + key->range.rule()));
    }
  }
  CHECK(read.size() == catalogue::loss_keys().size());  // no key nothing reads
  CHECK(error_of("[loss]\nname = \"mse\"\nbeta = 0.5\n") ==
        "manifest.toml:3:1: loss.beta: not used by \"mse\" (used by smooth_l1)");
  CHECK(error_of("[loss]\nlabel_smoothing = 1.5\n") == "manifest.toml:2:19: loss.label_smoothing: must be in [0, 1]");
}

}  // namespace
}  // namespace trainkit::testing
