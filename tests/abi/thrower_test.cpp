// A plugin that throws from a callback never takes the host down: the SDK wrapper turns the exception into a
// status and message, the host names the plugin, the instance and the call, exits 1 (2 when create fails:
// nothing trained), and every other instance still gets on_error and finalize (Chainer's error path).
#include <catch2/catch.hpp>

#include <string>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

const char* kIdentity = "extension \"thrower\" (thrower from org.trainkit.test.thrower 1.0.0) failed in ";

struct Run {
  ProcessResult result;
  std::string out;      // the run's out/ folder
  std::string witness;  // what the witness instance recorded
};

// Trains 1 epoch (8 iterations) with the thrower throwing in `where`, a witness and log_report at every
// iteration; the thrower runs first (WRITER), so its failure interrupts an iteration the others are in.
Run run_thrower(const TempDir& dir, const std::string& where, const std::vector<std::string>& args = {}) {
  const std::string plugins = plugin_folder(dir, {TK_ABI_THROWER_PLUGIN});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "thrower"
throw_in = ")" + where + R"("

[[extension]]
use = "witness"

[[extension]]
use = "log_report"
trigger = "1 iteration"
)", plugin_dirs_line(plugins)));
  std::vector<std::string> argv = {"run", dir.file("m.toml")};
  argv.insert(argv.end(), args.begin(), args.end());
  Run run;
  run.result = run_trainkit(argv);
  run.out = dir.file("result");
  run.witness = read_file(run.out + "/witness.witness.txt");
  return run;
}

void check_host_survived(const ProcessResult& r) {
  // An exception escaping into the host would abort (134) or print std::terminate's message.
  CHECK(r.exit_code < 128);
  CHECK_THAT(r.err, !Contains("terminate called"));
}

}  // namespace

TEST_CASE("the thrower fixture runs cleanly when asked not to throw") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "none");
  INFO(run.result.err);
  CHECK(run.result.exit_code == 0);
  CHECK_THAT(run.witness, Contains("initialize\n") && Contains("call 8\n") && Contains("finalize\n"));
  CHECK_THAT(run.witness, !Contains("on_error"));
}

TEST_CASE("a throw from create is a configuration error: exit 2, named, nothing trained") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "create");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 2);
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "create: thrower: deliberate failure in create"));
  CHECK_FALSE(file_exists(run.out + "/log"));
}

TEST_CASE("a throw from initialize exits 1, named, and the others get on_error and finalize") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "initialize");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 1);
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "initialize: thrower: deliberate failure in initialize"));
  CHECK_THAT(run.witness, Contains("on_error: ") && Contains("deliberate failure in initialize") && Contains("finalize\n"));
  CHECK_THAT(run.witness, !Contains("call "));
}

TEST_CASE("a throw from call exits 1, named, and the others get on_error and finalize") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "call");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 1);
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "call: thrower: deliberate failure in call"));
  // Iteration 1 ran to the end (log_report wrote its file); iteration 2 failed in the thrower, before the others.
  CHECK(file_exists(run.out + "/log"));
  CHECK_THAT(run.witness, Contains("call 1\n") && !Contains("call 2\n"));
  CHECK_THAT(run.witness, Contains("on_error: ") && Contains("deliberate failure in call") && Contains("finalize\n"));
}

TEST_CASE("a throw of a non-std type from on_error is reported, and the original error stays the error") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "on_error");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 1);
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "on_error: unknown exception"));
  CHECK_THAT(run.result.err, Contains(std::string("error: ") + kIdentity + "call: thrower: deliberate failure in call"));
  CHECK(file_exists(run.out + "/log"));
  CHECK_THAT(run.witness, Contains("on_error: ") && Contains("finalize\n"));
}

TEST_CASE("a throw from finalize exits 1, named") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "finalize");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 1);
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "finalize: thrower: deliberate failure in finalize"));
  CHECK(file_exists(run.out + "/log"));
  CHECK_THAT(run.witness, Contains("call 8\n"));
}

// A failing finalize must not keep the instances after it from being finalized.
TEST_CASE("after a throw from finalize the other instances are still finalized") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "finalize");
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 1);
  CHECK_THAT(run.witness, Contains("finalize\n"));
}

TEST_CASE("a throw from visit_state fails the snapshot that visited it, named, and exits 1") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "visit_state");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 1);
  // The thrower asked for the snapshot from its own call; the visit's failure is the reason that call failed.
  CHECK_THAT(run.result.err, Contains(std::string(kIdentity) + "call: ") &&
                                 Contains(std::string(kIdentity) + "visit_state (save): thrower: deliberate failure in visit_state"));
  CHECK_FALSE(file_exists(run.out + "/thrower.snapshot"));
  CHECK_THAT(run.witness, Contains("on_error: ") && Contains("finalize\n"));
}

// Asked before any state is restored and before any initialize, so no instance was initialized: the run
// stops there (nothing to on_error or finalize).
TEST_CASE("a throw from find_resume_point stops the run before training, named") {
  TK_REQUIRE_DATA();
  TempDir dir;
  Run run = run_thrower(dir, "find_resume_point");
  INFO(run.result.err);
  check_host_survived(run.result);
  CHECK(run.result.exit_code == 3);  // a resume that cannot be decided is refused, as a bad snapshot is
  CHECK_THAT(run.result.err,
             Contains(std::string(kIdentity) + "find_resume_point: thrower: deliberate failure in find_resume_point"));
  CHECK_FALSE(file_exists(run.out + "/log"));
  CHECK_THAT(run.witness, !Contains("call "));
}
