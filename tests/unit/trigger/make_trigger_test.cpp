// make_trigger (spec → stateful trigger) and the shared boundary arithmetic.
#include <catch2/catch.hpp>

#include "trigger/epoch_math.h"
#include "trigger/trigger.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::fired;

TEST_CASE("make_trigger builds the trigger a spec describes", "[trigger][make]") {
  auto interval = make_trigger(parse_trigger_text("1.5 epoch"));
  CHECK(interval->describe() == "1.5 epoch");
  CHECK(fired(*interval, 1, 10, 3) == std::vector<int64_t>{5, 9});

  TriggerSpec manual;
  manual.kind = TriggerKind::kManual;
  manual.points = {2, 4};
  auto at = make_trigger(manual);
  CHECK(fired(*at, 1, 6, 2) == std::vector<int64_t>{2, 4});
  CHECK(at->finished());

  TriggerSpec best;
  best.kind = TriggerKind::kBest;
  best.key = "main/loss";
  best.maximize = false;
  best.period = 1;
  best.unit = TriggerUnit::kEpoch;
  CHECK(make_trigger(best)->describe() == describe(best));

  TriggerSpec time;
  time.kind = TriggerKind::kTime;
  time.seconds = 1800;
  CHECK(make_trigger(time)->describe() == "every 1800 s");

  auto once = make_trigger(parse_trigger_text("once"));
  CHECK(fired(*once, 1, 3, 1) == std::vector<int64_t>{1});
  auto never = make_trigger(parse_trigger_text("never"));
  CHECK(fired(*never, 1, 3, 1).empty());
  CHECK(never->describe() == "never");

  TriggerSpec bad;
  bad.period = 0;
  CHECK_THROWS_AS(make_trigger(bad), std::invalid_argument);
}

TEST_CASE("floor_periods absorbs rounding but not a real iteration", "[trigger][math]") {
  CHECK(floor_periods(0.3, 0.1) == 3);          // 2.9999999999999996 in binary
  CHECK(floor_periods(0.7, 0.1) == 7);
  CHECK(floor_periods(3.0 / 30.0 * 9, 0.1) == 9);
  CHECK(floor_periods(0.29, 0.1) == 2);
  CHECK(floor_periods(0.0, 0.1) == 0);
  CHECK(floor_periods(1e6 - 1.0 / 1000, 1) == 999999);  // a real 1/1000 epoch short of a boundary
  CHECK(reached(0.3, 0.3));
  CHECK_FALSE(reached(0.2999, 0.3));
  CHECK(floor_div(-1, 2) == -1);  // Python's -1 // 2
  CHECK(floor_div(5, 2) == 2);
  CHECK(first_iteration_reaching(1.5, 3) == 5);
  CHECK(first_iteration_reaching(0.3, 10) == 3);
  CHECK(first_iteration_reaching(1, 0.5) == 1);
  CHECK(first_iteration_reaching(2, 2.5) == 5);
}
