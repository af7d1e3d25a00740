// EarlyStoppingTrigger against the cases of Chainer's test_early_stopping_trigger.py, plus a resume that keeps
// best and count (Chainer and ppe lose both).
#include <catch2/catch.hpp>

#include <limits>

#include "trigger/early_stopping.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::context_at;

namespace {

std::unique_ptr<EarlyStoppingTrigger> make_stop(const std::string& monitor, const std::string& max = "100 epoch") {
  return std::make_unique<EarlyStoppingTrigger>(parse_trigger_text("1 epoch"), monitor, monitor_prefers_max(monitor),
                                                3, parse_trigger_text(max));
}

// One value per epoch, reported on every iteration of that epoch (iterations_per_epoch iterations).
std::vector<int64_t> run(Trigger& t, const std::string& monitor, const std::vector<double>& per_epoch,
                         int64_t iterations_per_epoch, int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t i = first; i <= last; ++i) {
    Observation obs;
    obs.report(monitor, per_epoch[static_cast<size_t>((i - 1) / iterations_per_epoch)]);
    if (t(context_at(i, static_cast<double>(iterations_per_epoch), &obs))) out.push_back(i);
  }
  return out;
}

struct StopCase {
  std::string monitor;
  std::string max;
  std::vector<double> values;
  int64_t iterations_per_epoch;
  std::vector<int64_t> expected;
};

const std::vector<StopCase> kCases = {
    {"main/accuracy", "100 epoch", {.5, .5, .6, .7, .6, .4, .3, .2}, 1, {7, 8}},
    {"main/loss", "100 epoch", {100, 80, 30, 10, 20, 24, 30, 35}, 1, {7, 8}},
    {"main/loss", "3 epoch", {100, 80, 30}, 1, {3}},
    {"main/loss", "3 iteration", {100, 80, 30}, 1, {3}},
    // Two iterations per epoch: checks at 2, 4, ...; the 4th failed check is epoch 7's.
    {"main/accuracy", "100 epoch", {.5, .5, .6, .7, .6, .4, .3, .2}, 2, {14, 16}},
    // Improvements reset the counter: 3 failures, then better, then 3 more.
    {"main/loss", "100 epoch", {5, 6, 6, 4, 7, 7, 7, 7}, 1, {7, 8}},
};

}  // namespace

TEST_CASE("early stopping fires after `patience` checks without improvement", "[trigger][early]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const StopCase& c = kCases[n];
    INFO("case " << n);
    auto t = make_stop(c.monitor, c.max);
    const auto last = static_cast<int64_t>(c.values.size()) * c.iterations_per_epoch;
    CHECK(run(*t, c.monitor, c.values, c.iterations_per_epoch, 1, last) == c.expected);
  }
}

TEST_CASE("early stopping resumed at any iteration keeps best and count", "[trigger][early][state]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const StopCase& c = kCases[n];
    const auto last = static_cast<int64_t>(c.values.size()) * c.iterations_per_epoch;
    for (int64_t k = 0; k <= last; ++k) {
      INFO("case " << n << ", resumed at " << k);
      auto before = make_stop(c.monitor, c.max);
      std::vector<int64_t> got = run(*before, c.monitor, c.values, c.iterations_per_epoch, 1, k);
      auto after = make_stop(c.monitor, c.max);
      testing::load(*after, testing::save(*before));
      CHECK(after->best() == before->best());
      CHECK(after->count() == before->count());
      for (int64_t i : run(*after, c.monitor, c.values, c.iterations_per_epoch, k + 1, last)) got.push_back(i);
      CHECK(got == c.expected);
    }
  }
}

TEST_CASE("early stopping state holds best, count and both triggers", "[trigger][early][state]") {
  auto t = make_stop("main/accuracy");
  run(*t, "main/accuracy", {.5, .5, .6, .7, .6, .4}, 1, 1, 6);
  CHECK(t->best() == 0.7);
  CHECK(t->count() == 2);
  state::MemoryTree tree = testing::save(*t);
  CHECK(std::get<double>(tree.leaves.at("best")) == 0.7);
  CHECK(std::get<int64_t>(tree.leaves.at("count")) == 2);
  CHECK(std::get<int64_t>(tree.leaves.at("interval_trigger/previous_iteration")) == 6);
  CHECK(std::get<int64_t>(tree.leaves.at("max_trigger/previous_iteration")) == 6);
  CHECK(std::get<int64_t>(tree.leaves.at("summary/size")) == 0);

  auto fresh = make_stop("main/loss");
  CHECK(fresh->best() == std::numeric_limits<double>::infinity());
  CHECK(std::get<double>(testing::save(*fresh).leaves.at("best")) == std::numeric_limits<double>::infinity());
}

TEST_CASE("early stopping skips a check without the monitor, with a warning", "[trigger][early]") {
  auto t = make_stop("validation/main/loss");
  std::vector<std::string> warnings;
  Observation obs;
  obs.report("main/loss", 1.0);
  for (int64_t i = 1; i <= 5; ++i) {
    TriggerContext ctx = context_at(i, 1, &obs);
    ctx.warn = [&](const std::string& w) { warnings.push_back(w); };
    CHECK_FALSE((*t)(ctx));
  }
  CHECK(t->count() == 0);
  REQUIRE(warnings.size() == 5);
  CHECK_THAT(warnings[0], Catch::Contains("\"validation/main/loss\" is not in the observation"));
}

TEST_CASE("early stopping: mode, training length, describe, bad arguments", "[trigger][early]") {
  CHECK(monitor_prefers_max("validation/main/accuracy"));
  CHECK_FALSE(monitor_prefers_max("main/loss"));
  CHECK(make_stop("main/loss", "3 epoch")->max_iteration(100) == 300);
  CHECK(make_stop("main/loss")->describe() ==
        "early stopping on main/loss (min, patience 3, checked every 1 epoch, at most 100 epoch)");
  CHECK_THROWS_AS(EarlyStoppingTrigger(parse_trigger_text("1 epoch"), "main/loss", false, -1,
                                       parse_trigger_text("1 epoch")),
                  std::invalid_argument);
}
