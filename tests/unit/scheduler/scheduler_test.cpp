// The scheduler's ordering: Chainer's priorities (its test_trainer.py and ppe's test_manager.py cases), ppe's
// deferral of snapshot-priority entries, Chainer's duplicate names, and trigger state under <name>/trigger.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scheduler/scheduler.h"
#include "state/memory_tree.h"
#include "trigger/interval_trigger.h"

using namespace trainkit;

namespace {

TriggerContext at(int64_t iteration, int64_t iterations_per_epoch = 1) {
  TriggerContext ctx;
  ctx.iteration = iteration;
  ctx.iterations_per_epoch = iterations_per_epoch;
  ctx.epoch_detail = static_cast<double>(iteration) / static_cast<double>(iterations_per_epoch);
  ctx.previous_epoch_detail = static_cast<double>(iteration - 1) / static_cast<double>(iterations_per_epoch);
  return ctx;
}

std::unique_ptr<Trigger> every(double n, TriggerUnit unit = TriggerUnit::kIteration) {
  return std::make_unique<IntervalTrigger>(n, unit);
}

// Fires on every call and records it; lets a test see when a trigger was evaluated.
class RecordingTrigger final : public Trigger {
 public:
  RecordingTrigger(std::vector<std::string>& log, std::string name, bool fire)
      : log_(log), name_(std::move(name)), fire_(fire) {}
  bool operator()(const TriggerContext&) override {
    log_.push_back("trigger " + name_);
    return fire_;
  }

 private:
  std::vector<std::string>& log_;
  std::string name_;
  bool fire_;
};

// A scheduler whose entries log their index when called, with the given priorities, all firing every iteration.
std::vector<int> one_iteration(const std::vector<int64_t>& priorities) {
  Scheduler s;
  std::vector<int> calls;
  for (size_t i = 0; i < priorities.size(); ++i)
    s.add("e" + std::to_string(i), priorities[i], every(1), [&calls, i] { calls.push_back(static_cast<int>(i)); });
  s.run_iteration(at(1));
  return calls;
}

}  // namespace

TEST_CASE("unique instance names: bare, then _1, _2", "[scheduler][names]") {
  std::vector<std::string> taken;
  CHECK(unique_instance_name("x", taken) == "x");
  CHECK(unique_instance_name("x", taken) == "x_1");
  CHECK(unique_instance_name("y", taken) == "y");
  CHECK(unique_instance_name("x", taken) == "x_2");
  CHECK(taken == std::vector<std::string>{"x", "x_1", "y", "x_2"});

  std::vector<std::string> explicit_names{"x_1"};  // a user already named one x_1
  CHECK(unique_instance_name("x", explicit_names) == "x");
  CHECK(unique_instance_name("x", explicit_names) == "x_2");
}

TEST_CASE("priority order is descending and stable", "[scheduler][order]") {
  CHECK(priority_order({100, 100}) == std::vector<size_t>{0, 1});    // Chainer: ties keep manifest order
  CHECK(priority_order({50, 100}) == std::vector<size_t>{1, 0});     // Chainer: higher first
  CHECK(priority_order({2, 1, 3, 0, 4, -1, -3, -4}) == std::vector<size_t>{4, 2, 0, 1, 3, 5, 6, 7});  // ppe
  CHECK(priority_order({TK_PRIORITY_READER, TK_PRIORITY_SNAPSHOT, TK_PRIORITY_WRITER, TK_PRIORITY_READER,
                        TK_PRIORITY_EDITOR}) == std::vector<size_t>{2, 4, 0, 3, 1});
  CHECK(priority_order({}).empty());

  // Many ties (more than a sort's small-array insertion cut-off): each priority keeps manifest order.
  std::vector<int64_t> many;
  for (int i = 0; i < 60; ++i) many.push_back(i % 3 == 0 ? TK_PRIORITY_SNAPSHOT : (i % 3 == 1 ? 100 : 300));
  std::vector<size_t> expected;
  for (int rest : {2, 1, 0})
    for (size_t i = 0; i < many.size(); ++i)
      if (static_cast<int>(i % 3) == rest) expected.push_back(i);
  CHECK(priority_order(many) == expected);

  // ppe's case before training: the call_before_training entries (0, 3, 4, 5, 6) in the same order.
  std::vector<size_t> before;
  for (size_t i : priority_order({2, 1, 3, 0, 4, -1, -3, -4}))
    if (i == 0 || i == 3 || i == 4 || i == 5 || i == 6) before.push_back(i);
  CHECK(before == std::vector<size_t>{4, 0, 3, 5, 6});
}

TEST_CASE("scheduler calls fired entries in priority order", "[scheduler][order]") {
  CHECK(one_iteration({100, 100}) == std::vector<int>{0, 1});
  CHECK(one_iteration({50, 100}) == std::vector<int>{1, 0});
  CHECK(one_iteration({2, 1, 3, 0, 4, -1, -3, -4}) == std::vector<int>{4, 2, 0, 1, 3, 5, 6, 7});
}

TEST_CASE("scheduler calls only entries whose trigger fired", "[scheduler]") {
  Scheduler s;
  std::vector<std::string> calls;
  s.add("every2", 100, every(2), [&] { calls.push_back("every2"); });
  s.add("every3", 200, every(3), [&] { calls.push_back("every3"); });
  for (int64_t i = 1; i <= 6; ++i) {
    calls.push_back(std::to_string(i));
    s.run_iteration(at(i));
  }
  CHECK(calls == std::vector<std::string>{"1", "2", "every2", "3", "every3", "4", "every2", "5", "6", "every3",
                                          "every2"});
}

TEST_CASE("snapshot-priority entries run after every trigger was evaluated", "[scheduler][snapshot]") {
  Scheduler s;
  std::vector<std::string> log;
  auto add = [&](const std::string& name, int64_t priority, bool fire) {
    s.add(name, priority, std::make_unique<RecordingTrigger>(log, name, fire),
          [&log, name] { log.push_back("call " + name); });
  };
  add("snapshot", TK_PRIORITY_SNAPSHOT, true);   // listed first in the manifest
  add("reader", TK_PRIORITY_READER, true);
  add("late", -200, true);                       // below the snapshot priority: an ordinary entry
  add("snapshot_best", TK_PRIORITY_SNAPSHOT, false);
  add("snapshot_2", TK_PRIORITY_SNAPSHOT, true);
  s.set_before_trigger([&](size_t entry) { log.push_back("before " + s.name(entry)); });
  s.run_iteration(at(1));
  CHECK(log == std::vector<std::string>{
                   "before reader", "trigger reader", "call reader",
                   "before snapshot", "trigger snapshot",                 // evaluated in order, not called
                   "before snapshot_best", "trigger snapshot_best",
                   "before snapshot_2", "trigger snapshot_2",
                   "before late", "trigger late", "call late",            // runs before the deferred snapshots
                   "call snapshot", "call snapshot_2"});
}

TEST_CASE("a snapshot sees every other trigger already advanced (ppe PR #166)", "[scheduler][snapshot][state]") {
  // The snapshot entry saves the scheduler's state when it runs; resuming from that state must not make
  // the every-2 entry fire again at the resumed iteration.
  Scheduler s;
  state::MemoryTree saved;
  std::vector<int64_t> reader_calls;
  int64_t now = 0;
  s.add("snapshot", TK_PRIORITY_SNAPSHOT, every(2), [&] {
    saved = {};
    state::MemorySaver saver(saved);
    s.visit(saver);
  });
  s.add("reader", -300, every(2), [&] { reader_calls.push_back(now); });
  for (now = 1; now <= 2; ++now) s.run_iteration(at(now));
  REQUIRE(reader_calls == std::vector<int64_t>{2});
  CHECK(std::get<int64_t>(saved.leaves.at("reader/trigger/previous_iteration")) == 2);
  CHECK(std::get<int64_t>(saved.leaves.at("snapshot/trigger/previous_iteration")) == 2);

  Scheduler resumed;
  std::vector<int64_t> resumed_calls;
  resumed.add("snapshot", TK_PRIORITY_SNAPSHOT, every(2), [] {});
  resumed.add("reader", -300, every(2), [&] { resumed_calls.push_back(now); });
  state::MemoryLoader loader(saved);
  resumed.visit(loader);
  for (now = 3; now <= 4; ++now) resumed.run_iteration(at(now));
  CHECK(resumed_calls == std::vector<int64_t>{4});
}

TEST_CASE("scheduler visits every trigger under <name>/trigger", "[scheduler][state]") {
  Scheduler s;
  s.add("LogReport", 100, every(1, TriggerUnit::kEpoch), [] {});
  s.add("snapshot", TK_PRIORITY_SNAPSHOT, every(2), [] {});
  for (int64_t i = 1; i <= 3; ++i) s.run_iteration(at(i, 2));
  state::MemoryTree tree;
  {
    state::MemorySaver saver(tree);
    saver.scope("extensions", [&] { s.visit(saver); });
  }
  CHECK(tree.leaves.size() == 4);
  CHECK(std::get<int64_t>(tree.leaves.at("extensions/LogReport/trigger/previous_iteration")) == 3);
  CHECK(std::get<double>(tree.leaves.at("extensions/LogReport/trigger/previous_epoch_detail")) == 1.5);
  CHECK(std::get<int64_t>(tree.leaves.at("extensions/snapshot/trigger/previous_iteration")) == 3);
}

TEST_CASE("scheduler accessors and errors", "[scheduler]") {
  Scheduler s;
  CHECK(s.add("a", 1, every(1), [] {}) == 0);
  CHECK(s.add("b", 5, every(2), nullptr) == 1);  // no call: the trigger still advances
  CHECK(s.size() == 2);
  CHECK(s.order() == std::vector<size_t>{1, 0});
  CHECK(s.name(1) == "b");
  CHECK(s.priority(1) == 5);
  CHECK(s.trigger(1).describe() == "2 iteration");
  CHECK_NOTHROW(s.run_iteration(at(2)));
  CHECK_THROWS_AS(s.add("a", 1, every(1), [] {}), std::invalid_argument);
  CHECK_THROWS_AS(s.add("c", 1, nullptr, [] {}), std::invalid_argument);

  // A call that throws stops the iteration: later entries and deferred snapshots do not run.
  Scheduler failing;
  std::vector<std::string> calls;
  failing.add("snap", TK_PRIORITY_SNAPSHOT, every(1), [&] { calls.push_back("snap"); });
  failing.add("boom", 100, every(1), [] { throw std::runtime_error("boom"); });
  failing.add("after", 50, every(1), [&] { calls.push_back("after"); });
  CHECK_THROWS_WITH(failing.run_iteration(at(1)), "boom");
  CHECK(calls.empty());
}
