// OnceTrigger, TimeTrigger and NeverTrigger against the cases of Chainer's test_once_trigger.py and
// test_time_trigger.py.
#include <catch2/catch.hpp>

#include "trigger/once_trigger.h"
#include "trigger/time_trigger.h"
#include "trigger_test_support.h"

using namespace trainkit;
using trainkit::testing::context_at;

namespace {

// Calls `t` n times and records (finished before the call, result).
std::vector<std::pair<bool, bool>> calls(Trigger& t, int n) {
  std::vector<std::pair<bool, bool>> out;
  for (int i = 1; i <= n; ++i) {
    const bool finished = t.finished();
    out.emplace_back(finished, t(context_at(i, 1)));
  }
  return out;
}

using Calls = std::vector<std::pair<bool, bool>>;

}  // namespace

TEST_CASE("once trigger fires on the first call only", "[trigger][once]") {
  for (bool on_resume : {false, true}) {
    OnceTrigger t(on_resume);
    CHECK(calls(t, 3) == Calls{{false, true}, {true, false}, {true, false}});
  }
}

TEST_CASE("once trigger after a load fires again only with call_on_resume", "[trigger][once][state]") {
  for (int resume_at : {0, 1, 2}) {
    INFO("resumed after " << resume_at << " calls");
    for (bool on_resume : {false, true}) {
      OnceTrigger before(on_resume);
      calls(before, resume_at);
      OnceTrigger after(on_resume);
      testing::load(after, testing::save(before));
      const Calls got = calls(after, 2);
      if (resume_at == 0 || on_resume)
        CHECK(got == Calls{{false, true}, {true, false}});
      else
        CHECK(got == Calls{{true, false}, {true, false}});
    }
  }
  // Re-armed by the load itself, also when the same object is loaded again.
  OnceTrigger t(true);
  calls(t, 2);
  testing::load(t, testing::save(t));
  CHECK(calls(t, 2) == Calls{{false, true}, {true, false}});
}

TEST_CASE("once trigger saves flag_first", "[trigger][once][state]") {
  OnceTrigger t;
  CHECK(std::get<bool>(testing::save(t).leaves.at("flag_first")));
  t(context_at(1, 1));
  state::MemoryTree tree = testing::save(t);
  CHECK(tree.leaves.size() == 1);
  CHECK_FALSE(std::get<bool>(tree.leaves.at("flag_first")));
}

TEST_CASE("time trigger fires when elapsed time passes next_time, without catching up", "[trigger][time]") {
  TimeTrigger t(1.0);
  std::vector<bool> got;
  for (double elapsed : {0.0, 0.9, 1.2, 1.3, 2.1}) {
    TriggerContext ctx;
    ctx.elapsed_time = elapsed;
    got.push_back(t(ctx));
    if (elapsed == 1.2) CHECK(t.next_time() == 2.0);
  }
  CHECK(got == std::vector<bool>{false, false, true, false, true});

  TimeTrigger late(1.0);
  TriggerContext ctx;
  ctx.elapsed_time = 5.5;
  CHECK(late(ctx));
  CHECK(late.next_time() == 2.0);  // one firing per call, not one per missed period
  CHECK(late(ctx));
}

TEST_CASE("time trigger's next_time survives save and load", "[trigger][time][state]") {
  TimeTrigger before(1.0);
  TriggerContext ctx;
  ctx.elapsed_time = 1.2;
  REQUIRE(before(ctx));
  TimeTrigger after(1.0);
  testing::load(after, testing::save(before));
  CHECK(after.next_time() == 2.0);
  ctx.elapsed_time = 1.3;
  CHECK_FALSE(after(ctx));
  ctx.elapsed_time = 2.1;
  CHECK(after(ctx));
  CHECK(after.describe() == "every 1 s");
  CHECK_THROWS_AS(TimeTrigger(0), std::invalid_argument);
}

TEST_CASE("never trigger never fires and has no training length", "[trigger][never]") {
  NeverTrigger t;
  CHECK(testing::fired(t, 0, 100, 3).empty());
  CHECK_FALSE(t.finished());
  CHECK(t.max_iteration(3) == std::nullopt);
  CHECK(testing::save(t).leaves.empty());
}
