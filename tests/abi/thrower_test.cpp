// A plugin that throws from a callback never takes the host down: the SDK wrapper turns the exception into a
// status and message, the host names the plugin, the instance and the call, exits 1 (2 when create fails:
// nothing trained), and every other instance still gets on_error and finalize (Chainer's error path).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

const std::string kIdentity = "extension \"thrower\" (thrower from org.trainkit.test.thrower 1.0.0) failed in ";

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

// One row per callback of the thrower: what the run must exit with and say, what log_report must have
// written, and what the witness instance (called after the thrower) must and must not have seen.
struct ThrowCase {
  const char* where;                   // the thrower's throw_in
  int exit_code;
  const char* run_error;               // the run's error is "error: " + kIdentity + this ("" for none)
  const char* also_reported;           // another failure reported as kIdentity + this ("" for none)
  bool log_written;                    // iteration 1 ran to the end (log_report wrote out/log)
  std::vector<std::string> witness_has;
  std::vector<std::string> witness_lacks;
};

const ThrowCase kThrowCases[] = {
    {"none", 0, "", "", true, {"initialize\n", "call 8\n", "finalize\n"}, {"on_error"}},
    // A create failure is a configuration error: nothing trained.
    {"create", 2, "create: thrower: deliberate failure in create", "", false, {}, {}},
    {"initialize", 1, "initialize: thrower: deliberate failure in initialize", "", false,
     {"on_error: ", "deliberate failure in initialize", "finalize\n"}, {"call "}},
    // Iteration 1 ran to the end; iteration 2 failed in the thrower, before the others.
    {"call", 1, "call: thrower: deliberate failure in call", "", true,
     {"call 1\n", "on_error: ", "deliberate failure in call", "finalize\n"}, {"call 2\n"}},
    // A non-std exception from on_error is reported, and the original error stays the run's error.
    {"on_error", 1, "call: thrower: deliberate failure in call", "on_error: unknown exception", true,
     {"on_error: ", "finalize\n"}, {}},
    // A failing finalize does not keep the instances after it from being finalized.
    {"finalize", 1, "finalize: thrower: deliberate failure in finalize", "", true, {"call 8\n", "finalize\n"}, {}},
    // The thrower asks for a snapshot from its own call; the visit's failure is why that call failed.
    {"visit_state", 1, "call: ", "visit_state (save): thrower: deliberate failure in visit_state", true,
     {"on_error: ", "finalize\n"}, {}},
    // Asked before any state is restored and any initialize: the run stops there, and a resume that cannot
    // be decided is refused like a bad snapshot.
    {"find_resume_point", 3, "find_resume_point: thrower: deliberate failure in find_resume_point", "", false, {},
     {"call "}},
};

}  // namespace

TEST_CASE("a throw from any callback is named, exits with its code, and the others still see the error path") {
  TK_REQUIRE_DATA();
  for (const ThrowCase& c : kThrowCases) {
    DYNAMIC_SECTION("throw_in = " << c.where) {
      TempDir dir;
      Run run = run_thrower(dir, c.where);
      INFO(run.result.err);
      // An exception escaping into the host would abort (134) or print std::terminate's message.
      CHECK(run.result.exit_code == c.exit_code);
      CHECK_THAT(run.result.err, !Contains("terminate called"));
      if (*c.run_error != '\0') CHECK_THAT(run.result.err, Contains("error: " + kIdentity + c.run_error));
      if (*c.also_reported != '\0') CHECK_THAT(run.result.err, Contains(kIdentity + c.also_reported));
      CHECK(file_exists(run.out + "/log") == c.log_written);
      for (const std::string& text : c.witness_has) CHECK_THAT(run.witness, Contains(text));
      for (const std::string& text : c.witness_lacks) CHECK_THAT(run.witness, !Contains(text));
      // The snapshot whose visit failed was never published, and its temp file is gone.
      CHECK_FALSE(file_exists(run.out + "/thrower.snapshot"));
      std::error_code no_out;  // a run that stopped before creating out/
      for (const auto& entry : std::filesystem::directory_iterator(run.out, no_out))
        CHECK_THAT(entry.path().filename().string(), !Catch::StartsWith(".tmp."));
    }
  }
}
