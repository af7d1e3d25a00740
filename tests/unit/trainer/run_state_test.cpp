// The whole state across a resume, driven with a fake session, the recorder and counter fixtures and the
// real snapshot plugin: stop-trigger timing, restoring before initialize, carry-forward across plugin sets.
#include <catch2/catch.hpp>

#include "trainer_rig.h"

namespace trainkit {
namespace {

using Lines = std::vector<std::string>;

const std::string kSnapshotEvery3 =
    "[[extension]]\nuse = \"snapshot\"\ntrigger = \"3 iteration\"\nwriter = \"simple\"\n";
const std::string kRecorder = "[[extension]]\nuse = \"recorder\"\nname = \"r\"\njournal = \"JOURNAL\"\n";

template <class T>
T leaf(const state::MemoryTree& tree, const std::string& path) {
  const T* value = state::find_leaf<T>(tree, path);
  INFO(path);
  REQUIRE(value != nullptr);
  return *value;
}

TEST_CASE("the stop trigger is evaluated before snapshot-priority extensions: the last snapshot knows",
          "[trainer][state]") {
  TrainerRig rig(kSnapshotEvery3);
  REQUIRE(rig.run("6 iteration") == RunEnd::kCompleted);
  state::MemoryTree third = rig.read_snapshot("snapshot_iter_3");
  state::MemoryTree sixth = rig.read_snapshot("snapshot_iter_6");
  CHECK_FALSE(leaf<bool>(third, "trainer/stop_fired"));
  CHECK(leaf<bool>(sixth, "trainer/stop_fired"));
  CHECK(leaf<int64_t>(sixth, "trainer/iteration") == 6);
  CHECK(leaf<int64_t>(sixth, "updater/steps") == 6);
  CHECK(leaf<double>(sixth, "model/w") == 6.0);
  CHECK(leaf<std::string>(sixth, "meta/target") == "trainer");
}

TEST_CASE("a resume restores every part before any initialize and goes on from there", "[trainer][state]") {
  TrainerRig rig(kSnapshotEvery3 + "\n" + kRecorder);
  REQUIRE(rig.run("6 iteration") == RunEnd::kCompleted);
  rig.clear_journal();
  ResumeRequest resume;
  resume.path = rig.out() + "/snapshot_iter_3";
  REQUIRE(rig.run("5 iteration", resume) == RunEnd::kCompleted);
  CHECK(rig.steps() == 5);  // the session continued from the snapshot's 3 steps
  CHECK(rig.journal() == Lines{"r initialize 3", "r call 4", "r call 5", "r finalize 5"});
  CHECK(leaf<int64_t>(rig.read_snapshot("snapshot_iter_6"), "extensions/r/state/calls") == 6);
}

TEST_CASE("a resume without a path asks the extensions, and a run that ended stays ended with the same stop",
          "[trainer][state]") {
  TrainerRig rig(kSnapshotEvery3 + "\n" + kRecorder);
  REQUIRE(rig.run("6 iteration") == RunEnd::kCompleted);
  rig.clear_journal();
  ResumeRequest resume;
  resume.requested = true;
  SECTION("same stop: nothing more to train") {
    REQUIRE(rig.run("6 iteration", resume) == RunEnd::kCompleted);
    CHECK(rig.steps() == 6);
    CHECK(rig.journal() == Lines{"r initialize 6", "r finalize 6"});
  }
  SECTION("a longer stop goes on from the newest snapshot") {
    REQUIRE(rig.run("7 iteration", resume) == RunEnd::kCompleted);
    CHECK(rig.steps() == 7);
    CHECK(rig.journal() == Lines{"r initialize 6", "r call 7", "r finalize 7"});
  }
}

TEST_CASE("an instance whose trigger finished before the snapshot is not initialized again (Chainer)",
          "[trainer][state]") {
  TrainerRig rig(kSnapshotEvery3 + "\n" + kRecorder + "trigger = { at = [2], unit = \"iteration\" }\n");
  REQUIRE(rig.run("3 iteration") == RunEnd::kCompleted);
  rig.clear_journal();
  ResumeRequest resume;
  resume.path = rig.out() + "/snapshot_iter_3";
  REQUIRE(rig.run("4 iteration", resume) == RunEnd::kCompleted);
  CHECK(rig.journal() == Lines{"r finalize 4"});
}

TEST_CASE("state of an instance missing from the resumed run is carried forward unchanged", "[trainer][state]") {
  const std::string counters = "[[extension]]\nuse = \"counter_x\"\n\n[[extension]]\nuse = \"counter_y\"\n";
  TrainerRig rig(kSnapshotEvery3 + "\n" + counters);
  REQUIRE(rig.run("3 iteration") == RunEnd::kCompleted);
  CHECK(leaf<int64_t>(rig.read_snapshot("snapshot_iter_3"), "extensions/counter_x/state/calls") == 3);

  rig.set_extensions(kSnapshotEvery3 + "\n[[extension]]\nuse = \"counter_y\"\n");
  ResumeRequest resume;
  resume.path = rig.out() + "/snapshot_iter_3";
  REQUIRE(rig.run("6 iteration", resume) == RunEnd::kCompleted);
  state::MemoryTree sixth = rig.read_snapshot("snapshot_iter_6");
  CHECK(leaf<int64_t>(sixth, "extensions/counter_x/state/calls") == 3);  // carried, not run
  CHECK(leaf<int64_t>(sixth, "extensions/counter_y/state/calls") == 6);  // restored, then run

  SECTION("and comes back to life when its plugin is loaded again") {
    rig.set_extensions(kSnapshotEvery3 + "\n" + counters);
    resume.path = rig.out() + "/snapshot_iter_6";
    REQUIRE(rig.run("9 iteration", resume) == RunEnd::kCompleted);
    state::MemoryTree ninth = rig.read_snapshot("snapshot_iter_9");
    CHECK(leaf<int64_t>(ninth, "extensions/counter_x/state/calls") == 6);
    CHECK(leaf<int64_t>(ninth, "extensions/counter_y/state/calls") == 9);
  }
}

TEST_CASE("a snapshot of part of the state is refused for a resume, and nothing is restored", "[trainer][state]") {
  TrainerRig rig("[[extension]]\nuse = \"snapshot\"\ntrigger = \"3 iteration\"\nwriter = \"simple\"\n"
                 "target = \"model\"\nfilename = \"model_{iteration}\"\n");
  REQUIRE(rig.run("3 iteration") == RunEnd::kCompleted);
  ResumeRequest resume;
  resume.path = rig.out() + "/model_3";
  CHECK_THROWS_AS(rig.run("6 iteration", resume), ResumeError);
  CHECK(rig.steps() == 0);
}

}  // namespace
}  // namespace trainkit
