// Min/MaxValueTrigger against the cases of Chainer's test_minmax_trigger.py, incl. resume mid-window.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "trigger/best_value_trigger.h"
#include "trigger/interval_trigger.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::context_at;

namespace {

const char* const kKey = "main/accuracy";

std::unique_ptr<Trigger> make_best(bool maximize, double period) {
  return std::make_unique<BestValueTrigger>(kKey, maximize,
                                            std::make_unique<IntervalTrigger>(period, TriggerUnit::kIteration));
}

// Chainer's harness: an extension of higher priority reports values[i-1] at iteration i.
std::vector<int64_t> run(Trigger& t, const std::vector<double>& values, int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t i = first; i <= last; ++i) {
    Observation obs;
    obs.report(kKey, values[static_cast<size_t>(i - 1)]);
    if (t(context_at(i, 1, &obs))) out.push_back(i);
  }
  return out;
}

struct BestCase {
  bool maximize;
  double period;
  std::vector<double> values;
  std::vector<int64_t> expected;
};

const std::vector<BestCase> kCases = {
    {true, 1, {0.5, 0.5, 0.4, 0.6}, {1, 4}},                             // Chainer: max, every iteration
    {false, 1, {0.5, 0.5, 0.4, 0.6}, {1, 3}},                            // Chainer: min, every iteration
    {true, 2, {0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.6, 0.6}, {2, 8}},         // Chainer: max, every 2 iterations
    {false, 2, {0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.6, 0.6}, {2, 6}},        // Chainer: min, every 2 iterations
    // Means, not last values: windows (0.9, 0.1) = 0.5 then (0.2, 0.6) = 0.4.
    {false, 2, {0.9, 0.1, 0.2, 0.6}, {2, 4}},
    {true, 2, {0.9, 0.1, 0.2, 0.6}, {2}},
};

}  // namespace

TEST_CASE("best-value trigger fires on the first and every strictly better mean", "[trigger][best]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const BestCase& c = kCases[n];
    INFO("case " << n);
    auto t = make_best(c.maximize, c.period);
    CHECK(run(*t, c.values, 1, static_cast<int64_t>(c.values.size())) == c.expected);
  }
}

TEST_CASE("best-value trigger resumed at any iteration, mid-window too, fires the same", "[trigger][best][state]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const BestCase& c = kCases[n];
    const auto last = static_cast<int64_t>(c.values.size());
    for (int64_t k = 0; k <= last; ++k) {
      INFO("case " << n << ", resumed at " << k);
      auto before = make_best(c.maximize, c.period);
      std::vector<int64_t> got = run(*before, c.values, 1, k);
      auto after = make_best(c.maximize, c.period);
      testing::load(*after, testing::save(*before));
      for (int64_t i : run(*after, c.values, k + 1, last)) got.push_back(i);
      CHECK(got == c.expected);
    }
  }
}

TEST_CASE("best-value trigger state: interval trigger, summary, best value", "[trigger][best][state]") {
  auto t = make_best(true, 2);
  run(*t, {0.5, 0.7, 0.4}, 1, 3);  // best 0.6 after 2; 0.4 waits in the summary
  state::MemoryTree tree = testing::save(*t);
  CHECK(std::get<int64_t>(tree.leaves.at("interval_trigger/previous_iteration")) == 3);
  CHECK(std::get<int64_t>(tree.leaves.at("summary/size")) == 1);
  CHECK(std::get<double>(tree.leaves.at("summary/0/x")) == 0.4);
  CHECK(std::get<bool>(tree.leaves.at("has_best_value")));
  CHECK(std::get<double>(tree.leaves.at("best_value")) == Approx(0.6));
  CHECK(static_cast<BestValueTrigger&>(*t).best_value() == Approx(0.6));
}

TEST_CASE("best-value trigger throws naming the key when it was never reported in the window", "[trigger][best]") {
  auto t = make_best(false, 2);
  Observation obs;
  obs.report("main/loss", 1.0);
  CHECK_FALSE((*t)(context_at(1, 1, &obs)));
  try {
    (*t)(context_at(2, 1, &obs));
    FAIL("no error");
  } catch (const TrainingError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("\"main/accuracy\" was not reported"));
    CHECK_THAT(what, Catch::Contains("main/loss"));
  }

  // Reported once in the window is enough: Chainer checks the summary, not the last observation.
  auto u = make_best(false, 2);
  Observation with;
  with.report(kKey, 0.3);
  CHECK_FALSE((*u)(context_at(1, 1, &with)));
  CHECK((*u)(context_at(2, 1, &obs)));
}

TEST_CASE("best-value trigger describes itself in the manifest's words", "[trigger][best]") {
  CHECK(make_best(true, 1)->describe() == "max main/accuracy every 1 iteration");
  CHECK(MinValueTrigger("main/loss", std::make_unique<IntervalTrigger>(1, TriggerUnit::kEpoch)).describe() ==
        "min main/loss every 1 epoch");
}
