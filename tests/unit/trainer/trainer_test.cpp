// The loop and its error path (Chainer's Trainer semantics), driven with a fake session and the recorder
// fixture plugin, which journals every call the host makes.
#include <catch2/catch.hpp>

#include "trainer_rig.h"

namespace trainkit {
namespace {

using Catch::Contains;
using Lines = std::vector<std::string>;

// Two recorders: "a" at writer priority every 2 iterations, "b" at reader priority every iteration.
std::string two_recorders(const std::string& a_extra = "", const std::string& b_extra = "") {
  return "[[extension]]\nuse = \"recorder\"\nname = \"a\"\npriority = 300\ntrigger = \"2 iteration\"\n"
         "journal = \"JOURNAL\"\n" + a_extra +
         "\n[[extension]]\nuse = \"recorder\"\nname = \"b\"\njournal = \"JOURNAL\"\n" + b_extra;
}

TEST_CASE("initialize, the fired calls in descending priority each iteration, then finalize", "[trainer]") {
  TrainerRig rig(two_recorders());
  CHECK(rig.run("4 iteration") == RunEnd::kCompleted);
  CHECK(rig.steps() == 4);
  CHECK(rig.journal() == Lines{"a initialize 0", "b initialize 0", "b call 1", "a call 2", "b call 2", "b call 3",
                               "a call 4", "b call 4", "a finalize 4", "b finalize 4"});
}

TEST_CASE("a failing step: on_error to every instance, then finalize to every instance, and its error leaves",
          "[trainer]") {
  TrainerRig rig(two_recorders());
  CHECK_THROWS_WITH(rig.run("4 iteration", {}, /*fail_at_step=*/3), Contains("step failed as told"));
  CHECK(rig.journal() == Lines{"a initialize 0", "b initialize 0", "b call 1", "a call 2", "b call 2",
                               "a on_error 2", "b on_error 2", "a finalize 2", "b finalize 2"});
}

TEST_CASE("an extension failing in call: the error names it, and every instance gets on_error and finalize",
          "[trainer]") {
  TrainerRig rig(two_recorders("", "fail_in = \"call\"\nfail_at = 2\n"));
  try {
    rig.run("4 iteration");
    FAIL("the run did not fail");
  } catch (const TrainingError& e) {
    CHECK_THAT(e.what(), Contains("extension \"b\" (recorder from org.trainkit.test.recorder 1.0.0) failed in call: "
                                  "b fails in call as told"));
  }
  CHECK(rig.journal() == Lines{"a initialize 0", "b initialize 0", "b call 1", "a call 2", "b call 2",
                               "a on_error 2", "b on_error 2", "a finalize 2", "b finalize 2"});
}

TEST_CASE("a failing finalize keeps no other instance from finalize and is the run's error", "[trainer]") {
  TrainerRig rig(two_recorders("fail_in = \"finalize\"\n"));
  CHECK_THROWS_WITH(rig.run("2 iteration"), Contains("\"a\"") && Contains("failed in finalize"));
  CHECK(rig.journal() == Lines{"a initialize 0", "b initialize 0", "b call 1", "a call 2", "b call 2",
                               "a finalize 2", "b finalize 2"});
}

TEST_CASE("a failing on_error is reported, not the run's error, and the error path goes on", "[trainer]") {
  TrainerRig rig(two_recorders("fail_in = \"on_error\"\n"));
  CHECK_THROWS_WITH(rig.run("4 iteration", {}, /*fail_at_step=*/2), Contains("step failed as told"));
  CHECK(rig.journal() == Lines{"a initialize 0", "b initialize 0", "b call 1", "a on_error 1", "b on_error 1",
                               "a finalize 1", "b finalize 1"});
}

TEST_CASE("SIGTERM: the instances that ask for it get one more call, unless they ran at that iteration",
          "[trainer]") {
  const std::string raiser = "[[extension]]\nuse = \"recorder\"\nname = \"a\"\npriority = 300\n"
                             "journal = \"JOURNAL\"\nraise_at = 2\n";
  SECTION("not run at the stopped iteration: called") {
    TrainerRig rig(raiser + "\n[[extension]]\nuse = \"recorder_on_stop\"\nname = \"s\"\ntrigger = \"3 iteration\"\n"
                            "journal = \"JOURNAL\"\n\n[[extension]]\nuse = \"recorder\"\nname = \"r\"\n"
                            "trigger = \"3 iteration\"\njournal = \"JOURNAL\"\n");
    CHECK(rig.run("10 iteration") == RunEnd::kTerminated);
    CHECK(rig.steps() == 2);
    CHECK(rig.journal() == Lines{"a initialize 0", "s initialize 0", "r initialize 0", "a call 1", "a call 2",
                                 "s call 2", "a finalize 2", "s finalize 2", "r finalize 2"});
  }
  SECTION("already run at the stopped iteration: not called twice") {
    TrainerRig rig(raiser + "\n[[extension]]\nuse = \"recorder_on_stop\"\nname = \"s\"\njournal = \"JOURNAL\"\n");
    CHECK(rig.run("10 iteration") == RunEnd::kTerminated);
    CHECK(rig.journal() == Lines{"a initialize 0", "s initialize 0", "a call 1", "s call 1", "a call 2", "s call 2",
                                 "a finalize 2", "s finalize 2"});
  }
}

}  // namespace
}  // namespace trainkit
