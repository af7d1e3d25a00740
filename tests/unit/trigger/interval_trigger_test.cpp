// IntervalTrigger against the cases of Chainer's and ppe's test_interval_trigger.py (whole and fractional
// periods, unaligned epochs, sparse calls, save and load, a bad unit) and exact rationals.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "trigger/interval_trigger.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::context_at;
using trainkit::testing::fired;
using trainkit::testing::fired_with_resume;

namespace {

struct IntervalCase {
  double period;
  TriggerUnit unit;
  double iterations_per_epoch;
  int64_t last;                    // run iterations 1..last
  std::vector<int64_t> expected;   // iterations where it fires
};

const TriggerUnit kIt = TriggerUnit::kIteration;
const TriggerUnit kEp = TriggerUnit::kEpoch;

// Chainer's/ppe's tables, then periods where flooring epoch_detail / period naively goes wrong.
const std::vector<IntervalCase> kCases = {
    {2, kIt, 5, 7, {2, 4, 6}},                                  // Chainer: (2, 'iteration') at 5 it/epoch
    {3, kEp, 1, 7, {3, 6}},                                     // Chainer: (3, 'epoch')
    {1.5, kEp, 2, 7, {3, 6}},                                   // Chainer: (1.5, 'epoch') at 2 it/epoch
    {1.5, kEp, 3, 10, {5, 9}},                                  // ppe: (1.5, 'epoch') at 3 it/epoch
    {1, kEp, 2.5, 6, {3, 5}},                                   // Chainer: unaligned epochs
    {1, kEp, 0.5, 5, {1, 2, 3, 4, 5}},                          // Chainer: epochs shorter than an iteration
    {2, kEp, 2.5, 7, {5}},
    {2, kEp, 0.5, 5, {1, 2, 3, 4, 5}},
    {1, kEp, 3, 7, {3, 6}},
    {2, kEp, 3, 7, {6}},
    {0.5, kEp, 2, 7, {1, 2, 3, 4, 5, 6, 7}},
    {1.5, kEp, 4, 13, {6, 12}},
    {0.1, kEp, 10, 12, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},  // Python: 0.3 // 0.1 == 2.0
    {0.1, kEp, 30, 12, {3, 6, 9, 12}},
    {0.2, kEp, 5, 8, {1, 2, 3, 4, 5, 6, 7, 8}},
    {0.3, kEp, 10, 12, {3, 6, 9, 12}},
    {0.7, kEp, 10, 30, {7, 14, 21, 28}},
    {1, kIt, 3, 4, {1, 2, 3, 4}},
};

std::string name_of(const IntervalCase& c) {
  return IntervalTrigger(c.period, c.unit).describe() + " at " + std::to_string(c.iterations_per_epoch) + " it/epoch";
}

}  // namespace

TEST_CASE("interval trigger fires at Chainer's iterations", "[trigger][interval]") {
  for (const auto& c : kCases) {
    INFO(name_of(c));
    IntervalTrigger t(c.period, c.unit);
    CHECK(fired(t, 1, c.last, c.iterations_per_epoch) == c.expected);
  }
}

TEST_CASE("interval trigger does not fire before any update", "[trigger][interval]") {
  IntervalTrigger it(2, kIt);
  CHECK_FALSE(it(context_at(0, 5)));
  IntervalTrigger ep(1, kEp);
  CHECK_FALSE(ep(context_at(0, 5)));
  // Calling at 0 first changes nothing afterwards.
  CHECK(fired(it, 1, 7, 5) == std::vector<int64_t>{2, 4, 6});
}

TEST_CASE("sparse calls fire once for every boundary skipped since the last call", "[trigger][interval]") {
  for (const auto& c : kCases) {
    for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
      INFO(name_of(c) << ", seed " << seed);
      std::mt19937 rng(seed);
      IntervalTrigger t(c.period, c.unit);
      bool pending = false;  // a boundary was crossed since the last call (from the dense list)
      for (int64_t i = 1; i <= c.last; ++i) {
        pending = pending || std::find(c.expected.begin(), c.expected.end(), i) != c.expected.end();
        if (rng() % 2 == 0) continue;
        CHECK(t(context_at(i, c.iterations_per_epoch)) == pending);
        pending = false;
      }
    }
  }
}

TEST_CASE("sparse calls: a concrete skip", "[trigger][interval]") {
  IntervalTrigger t(2, kIt);
  CHECK_FALSE(t(context_at(1, 5)));
  CHECK(t(context_at(5, 5)));    // crossed 2 and 4: fires once
  CHECK_FALSE(t(context_at(5, 5)));
  CHECK(t(context_at(6, 5)));
}

TEST_CASE("save at iteration k and load into a fresh trigger gives the same list", "[trigger][interval][state]") {
  for (const auto& c : kCases) {
    for (int64_t k = 0; k <= c.last; ++k) {
      INFO(name_of(c) << ", resumed at " << k);
      auto make = [&] { return std::make_unique<IntervalTrigger>(c.period, c.unit); };
      CHECK(fired_with_resume(make, k, c.last, c.iterations_per_epoch) == c.expected);
    }
  }
}

TEST_CASE("the state holds previous_iteration and previous_epoch_detail", "[trigger][interval][state]") {
  IntervalTrigger t(1, kEp);
  fired(t, 1, 4, 2.5);
  state::MemoryTree tree = testing::save(t);
  REQUIRE(tree.leaves.size() == 2);
  CHECK(std::get<int64_t>(tree.leaves.at("previous_iteration")) == 4);
  CHECK(std::get<double>(tree.leaves.at("previous_epoch_detail")) == Approx(1.6));
}

TEST_CASE("a load without trigger state guesses like Chainer and warns", "[trigger][interval][state]") {
  for (const auto& c : kCases) {
    for (int64_t k = 1; k <= c.last; ++k) {
      INFO(name_of(c) << ", resumed at " << k);
      IntervalTrigger before(c.period, c.unit);
      std::vector<int64_t> got = fired(before, 1, k, c.iterations_per_epoch);
      IntervalTrigger after(c.period, c.unit);
      testing::load(after, state::MemoryTree{});
      std::vector<std::string> warnings;
      for (int64_t i = k + 1; i <= c.last; ++i) {
        TriggerContext ctx = context_at(i, c.iterations_per_epoch);
        ctx.warn = [&](const std::string& w) { warnings.push_back(w); };
        if (after(ctx)) got.push_back(i);
      }
      CHECK(got == c.expected);
      CHECK(warnings.size() == (k < c.last ? 1u : 0u));
    }
  }
}

// Periods num/den epochs at whole it/epoch: the exact answer in integers, i*den // (ipe*num).
TEST_CASE("decimal epoch periods fire exactly where rational arithmetic says", "[trigger][interval]") {
  for (int64_t num : {1, 2, 3, 5, 7, 9, 11, 13, 15, 23, 25, 33}) {
    for (int64_t ipe : {1, 3, 7, 10, 30, 60, 100, 1000}) {
      const double period = static_cast<double>(num) / 10.0;
      INFO(period << " epoch at " << ipe << " it/epoch");
      IntervalTrigger t(period, kEp);
      std::vector<int64_t> expected;
      const int64_t last = 40 * ipe;
      for (int64_t i = 1; i <= last; ++i)
        if ((i * 10) / (ipe * num) != ((i - 1) * 10) / (ipe * num)) expected.push_back(i);
      CHECK(fired(t, 1, last, static_cast<double>(ipe)) == expected);
      REQUIRE_FALSE(expected.empty());
      CHECK(t.max_iteration(static_cast<double>(ipe)) == expected.front());
    }
  }
}

TEST_CASE("max_iteration is where a fresh stop trigger first fires", "[trigger][interval]") {
  for (const auto& c : kCases) {
    INFO(name_of(c));
    IntervalTrigger t(c.period, c.unit);
    CHECK(t.max_iteration(c.iterations_per_epoch) == c.expected.front());
  }
  CHECK(IntervalTrigger(100, kEp).max_iteration(469) == 46900);
  CHECK(IntervalTrigger(0.1, kEp).max_iteration(3) == 1);   // 0.3 it: inside the first iteration
  CHECK(IntervalTrigger(1000, kIt).max_iteration(7) == 1000);
}

TEST_CASE("interval trigger rejects bad periods and describes itself", "[trigger][interval]") {
  CHECK_THROWS_AS(IntervalTrigger(0, kIt), std::invalid_argument);
  CHECK_THROWS_AS(IntervalTrigger(-1, kEp), std::invalid_argument);
  CHECK_THROWS_AS(IntervalTrigger(1.5, kIt), std::invalid_argument);
  CHECK(IntervalTrigger(2, kIt).describe() == "2 iteration");
  CHECK(IntervalTrigger(1.5, kEp).describe() == "1.5 epoch");
}
