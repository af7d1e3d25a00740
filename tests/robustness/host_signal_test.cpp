// Issue 11, the host: one SIGTERM or SIGINT stops trainkit at any phase, with exit 143 or 130 and a message
// that says where (Note [Stopping on a signal], runtime/trainer/signals.h). Before, the flag was read only
// between iterations: a signal during start-up ended the process without a word, and a run blocked in a
// step or an open never ended.
#include <sys/stat.h>
#include <signal.h>

#include <chrono>
#include <filesystem>

#include <catch2/catch.hpp>

#include "host_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

// Starts `trainkit run dir/m.toml`, waits until the blocker is about to block, sends `sig`; returns the exit
// code (-1 if the run did not end within `seconds` of the signal) and the stderr.
std::pair<int, std::string> signal_blocked_run(const TempDir& dir, int sig, double seconds,
                                               const std::map<std::string, std::string>& env = {}) {
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  const int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out"), dir.file("err"), env);
  if (!wait_for_file(dir.file("blocking"), 120)) {
    wait_at_most(pid, 0);
    FAIL("the blocker never blocked: " << read_file(dir.file("err")));
  }
  ::kill(pid, sig);
  const int code = wait_at_most(pid, seconds);
  return {code, read_file(dir.file("err"))};
}

// A run on the blocker fixture's dataset class, which blocks in `where`: open, or the second read of example 3
// (the first is the host's scan of the labels, before training).
std::string blocking_data_manifest(const TempDir& dir, const std::string& where, const std::string& data = "") {
  return "[trainer]\nout = \"result\"\nstop = \"2 epoch\"\nthreads = 1\n" + blocker_plugin_dirs() +
         "[model]\nbuiltin = \"mlp\"\nhidden = [8]\n[optimizer]\nname = \"sgd\"\nlr = 0.1\n"
         "[data]\nformat = \"plugin\"\nplugin = \"host_blocker\"\nbatch_size = 8\n" + data +
         "[data.options]\nblock_in = \"" + where + "\"\nat_example = 3\nat_reading = 2\nfifo = \"" + dir.file("fifo") +
         "\"\nmarker = \"" + dir.file("blocking") + "\"\n";
}

}  // namespace

TEST_CASE("SIGTERM while the data is opened, blocked in a read, ends trainkit at once with 143") {
  TempDir dir;
  write_file(dir.file("m.toml"), blocking_data_manifest(dir, "open"));
  const auto [code, err] = signal_blocked_run(dir, SIGTERM, 10);
  INFO(err);
  CHECK(code == 143);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGTERM while reading the data and building the model "
                           "(nothing was trained)"));
}

TEST_CASE("SIGINT while an example is read, in the loop or ahead of it, ends trainkit after the grace period") {
  const std::string data = GENERATE(as<std::string>{}, "", "prefetch = 2\n");
  INFO("data: " << data);
  TempDir dir;
  write_file(dir.file("m.toml"), blocking_data_manifest(dir, "read", data));
  const auto [code, err] = signal_blocked_run(dir, SIGINT, 30, {{"TRAINKIT_STOP_GRACE", "1"}});
  INFO(err);
  CHECK(code == 130);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGINT") && Contains("did not end within 1 s of the signal"));
  CHECK_THAT(err, !Contains("done:"));
}

TEST_CASE("SIGTERM while an extension is created, blocked in an open, ends trainkit at once with 143") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", blocker(dir.path(), "create"), blocker_plugin_dirs()));
  const auto [code, err] = signal_blocked_run(dir, SIGTERM, 10);
  INFO(err);
  CHECK(code == 143);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGTERM while creating the extensions and starting the run "
                           "(nothing was trained)"));
}

TEST_CASE("SIGINT during an extension's initialize ends trainkit at once with 130") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", blocker(dir.path(), "initialize"), blocker_plugin_dirs()));
  const auto [code, err] = signal_blocked_run(dir, SIGINT, 10);
  INFO(err);
  CHECK(code == 130);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGINT while "));
}

TEST_CASE("a step that does not return is abandoned after the grace period, with 143 and the iteration") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", blocker(dir.path(), "call", 3), blocker_plugin_dirs()));
  const auto start = std::chrono::steady_clock::now();
  const auto [code, err] = signal_blocked_run(dir, SIGTERM, 30, {{"TRAINKIT_STOP_GRACE", "1"}});
  INFO(err);
  CHECK(code == 143);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGTERM: iteration 3 did not end within 1 s of the signal "
                           "(TRAINKIT_STOP_GRACE); abandoned it; the snapshots written before are whole"));
  CHECK_THAT(err, !Contains("done:"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(120));
}

TEST_CASE("a SIGTERM stop says where it stopped and which snapshot to resume from, not \"done\"") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("100000 epoch", R"(
[[extension]]
use = "snapshot"
trigger = "100000 epoch"
[[extension]]
use = "log_report"
trigger = "1 iteration"
)"));
  const int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out"), dir.file("err"));
  REQUIRE(wait_for_file(dir.file("result/log"), 120));
  ::kill(pid, SIGTERM);
  CHECK(wait_at_most(pid, 60) == 143);
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK_THAT(err, Contains("trainkit: stopped by SIGTERM at iteration ") &&
                      Contains("; continue with --resume from " + dir.file("result/snapshot_iter_")));
  CHECK_THAT(err, !Contains("done:"));
}

TEST_CASE("TRAINKIT_STOP_GRACE must be a whole number of seconds") {
  const ProcessResult r = run_trainkit({"--version"}, {{"TRAINKIT_STOP_GRACE", "soon"}});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("TRAINKIT_STOP_GRACE=\"soon\": expected a whole number of seconds from 1 to 86400"));
}
