// ManualScheduleTrigger against the cases of Chainer's test_manual_schedule_trigger.py and ppe's
// test_schedule_trigger.py (iteration and epoch points, fractional epochs, finished after the last point).
#include <catch2/catch.hpp>

#include "trigger/manual_schedule_trigger.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::context_at;
using trainkit::testing::fired;
using trainkit::testing::fired_with_resume;

namespace {

struct ScheduleCase {
  std::vector<double> points;
  TriggerUnit unit;
  double iterations_per_epoch;
  std::vector<bool> expected;   // per iteration 1..7
  std::vector<bool> finished;   // after each call
};

const TriggerUnit kIt = TriggerUnit::kIteration;
const TriggerUnit kEp = TriggerUnit::kEpoch;
const bool T = true;
const bool F = false;

const std::vector<ScheduleCase> kCases = {
    {{2}, kIt, 2, {F, T, F, F, F, F, F}, {F, T, T, T, T, T, T}},
    {{2, 4}, kIt, 2, {F, T, F, T, F, F, F}, {F, F, F, T, T, T, T}},
    {{1}, kEp, 3, {F, F, T, F, F, F, F}, {F, F, T, T, T, T, T}},
    {{1, 2}, kEp, 3, {F, F, T, F, F, T, F}, {F, F, F, F, F, T, T}},
    {{1.5}, kEp, 2, {F, F, T, F, F, F, F}, {F, F, T, T, T, T, T}},
    {{1.5, 2.5}, kEp, 2, {F, F, T, F, T, F, F}, {F, F, F, F, T, T, T}},
    // Chainer leaves unaligned epochs as a TODO; epoch_detail = iteration / 2.5 handles them.
    {{1}, kEp, 2.5, {F, F, T, F, F, F, F}, {F, F, T, T, T, T, T}},
    {{1, 2}, kEp, 2.5, {F, F, T, F, T, F, F}, {F, F, F, F, T, T, T}},
    // Unsorted points; decimal epoch points.
    {{4, 2}, kIt, 2, {F, T, F, T, F, F, F}, {F, F, F, T, T, T, T}},
    {{0.3, 0.6}, kEp, 10, {F, F, T, F, F, T, F}, {F, F, F, F, F, T, T}},
};

std::vector<int64_t> iterations_of(const std::vector<bool>& flags) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i]) out.push_back(static_cast<int64_t>(i + 1));
  return out;
}

}  // namespace

TEST_CASE("schedule trigger fires at its points and finishes after the last", "[trigger][schedule]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const ScheduleCase& c = kCases[n];
    INFO("case " << n);
    ManualScheduleTrigger t(c.points, c.unit);
    CHECK_FALSE(t.finished());
    std::vector<bool> got;
    std::vector<bool> finished;
    for (int64_t i = 1; i <= 7; ++i) {
      got.push_back(t(context_at(i, c.iterations_per_epoch)));
      finished.push_back(t.finished());
    }
    CHECK(got == c.expected);
    CHECK(finished == c.finished);
  }
}

TEST_CASE("schedule trigger: a sparse call catches a skipped point once", "[trigger][schedule]") {
  ManualScheduleTrigger t({2, 4}, kIt);
  CHECK(t(context_at(5, 2)));  // both 2 and 4 lie in (0, 5]: one firing
  CHECK(t.finished());
  CHECK_FALSE(t(context_at(6, 2)));
}

TEST_CASE("schedule trigger resumes with the same firings and finished flag", "[trigger][schedule][state]") {
  for (size_t n = 0; n < kCases.size(); ++n) {
    const ScheduleCase& c = kCases[n];
    for (int64_t k = 0; k <= 7; ++k) {
      INFO("case " << n << ", resumed at " << k);
      auto make = [&] { return std::make_unique<ManualScheduleTrigger>(c.points, c.unit); };
      CHECK(fired_with_resume(make, k, 7, c.iterations_per_epoch) == iterations_of(c.expected));

      ManualScheduleTrigger before(c.points, c.unit);
      fired(before, 1, k, c.iterations_per_epoch);
      ManualScheduleTrigger after(c.points, c.unit);
      testing::load(after, testing::save(before));
      CHECK(after.finished() == (k == 0 ? false : c.finished[static_cast<size_t>(k - 1)]));
    }
  }
}

TEST_CASE("schedule trigger loaded without state guesses finished at the next call", "[trigger][schedule][state]") {
  ManualScheduleTrigger t({2, 4}, kIt);
  testing::load(t, state::MemoryTree{});
  CHECK_FALSE(t.finished());
  CHECK_FALSE(t(context_at(6, 2)));  // prev guessed as 5: nothing in (5, 6]
  CHECK(t.finished());               // but 6 >= 4: Chainer's guess

  ManualScheduleTrigger early({2, 4}, kIt);
  testing::load(early, state::MemoryTree{});
  CHECK(early(context_at(2, 2)));
  CHECK_FALSE(early.finished());
}

TEST_CASE("schedule trigger state, describe and max_iteration", "[trigger][schedule]") {
  ManualScheduleTrigger t({1.5, 2.5}, kEp);
  fired(t, 1, 5, 2);
  state::MemoryTree tree = testing::save(t);
  CHECK(std::get<int64_t>(tree.leaves.at("previous_iteration")) == 5);
  CHECK(std::get<double>(tree.leaves.at("previous_epoch_detail")) == 2.5);
  CHECK(std::get<bool>(tree.leaves.at("finished")));
  CHECK(t.describe() == "at [1.5, 2.5] epoch");
  CHECK(t.max_iteration(2) == 3);
  CHECK(ManualScheduleTrigger({1000, 5000}, kIt).max_iteration(7) == 1000);
  CHECK(ManualScheduleTrigger({0}, kIt).max_iteration(7) == std::nullopt);

  // Chainer finishes only on a firing: a point at 0 is never crossed, so it never finishes.
  ManualScheduleTrigger zero({0}, kIt);
  CHECK(fired(zero, 1, 3, 1).empty());
  CHECK_FALSE(zero.finished());
  CHECK_THROWS_AS(ManualScheduleTrigger({}, kIt), std::invalid_argument);
}
