// Issue 11, the host: "1e-30 epoch" looped forever in first_iteration_reaching (a float → int64 overflow in
// floor_periods). Trigger arithmetic saturates, ends in bounded time for every input, and a period shorter
// than one iteration fires every iteration.
#include <chrono>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include "trigger/epoch_math.h"
#include "trigger/trigger.h"
#include "trigger/trigger_spec.h"

namespace trainkit {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST_CASE("period counts saturate instead of overflowing", "[epoch_math]") {
  CHECK(floor_periods(0.125, 1e-30) == kMax);
  CHECK(floor_periods(1e300, 1e-300) == kMax);
  CHECK(floor_periods(0.0, 1e-30) == 0);
  CHECK(floor_periods(0.3, 0.1) == 3);  // the snap still holds
  CHECK(reached(0.125, 1e-30));
}

TEST_CASE("first_iteration_reaching ends at once for tiny and huge counts", "[epoch_math]") {
  const auto start = std::chrono::steady_clock::now();
  CHECK(first_iteration_reaching(1e-30, 8) == 1);
  CHECK(first_iteration_reaching(1e-300, 1e9) == 1);
  CHECK(first_iteration_reaching(1e30, 8) == kMax);
  CHECK(first_iteration_reaching(1e15, 1e9) == kMax);
  CHECK(first_iteration_reaching(1e6, 8) == 8000000);
  // Past 10^12 iterations the snap of Note [Epoch boundaries in floating point] may move the answer further
  // than the walk goes: it stops within 1024 iterations of the real-number answer.
  const int64_t far = first_iteration_reaching(1e15, 8);
  CHECK(far >= 8000000000000000 - 1024);
  CHECK(far <= 8000000000000000);
  CHECK(first_iteration_reaching(1.5, 3) == 5);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("an epoch period below one iteration fires every iteration, and stops a run after one", "[epoch_math]") {
  for (const char* text : {"1e-30 epoch", "0.01 epoch"}) {
    INFO(text);
    const auto trigger = make_trigger(parse_trigger_text(text));
    for (int64_t i = 1; i <= 20; ++i) {
      TriggerContext ctx{};
      ctx.iteration = i;
      ctx.iterations_per_epoch = 8;
      ctx.epoch_detail = static_cast<double>(i) / 8;
      ctx.previous_epoch_detail = static_cast<double>(i - 1) / 8;
      CHECK((*trigger)(ctx));
    }
    CHECK(trigger->max_iteration(8) == 1);
  }
}

}  // namespace
}  // namespace trainkit
