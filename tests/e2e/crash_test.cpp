// Crash safety: kill -9 a run at random moments while it writes snapshots, resume each time, and
// finish exactly where an uninterrupted run finishes. Bounded: at most kMaxKills kills.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "e2e_support.h"
#include "same_state.h"
#include "state/archive.h"

using namespace tk_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

constexpr int kMaxKills = 12;

std::string crash_manifest(const std::string& writer) {
  return small_manifest("600 epoch", R"(
[[extension]]
use = "log_report"
trigger = "8 iteration"
[[extension]]
use = "snapshot"
trigger = "3 iteration"
n_retains = 3
writer = ")" + writer + "\"\n");
}

std::string final_snapshot_path(const TempDir& dir) { return dir.file("result/snapshot_iter_4800"); }

void check_crash_safety(const std::string& writer) {
  TempDir straight, crashed;
  write_file(straight.file("m.toml"), crash_manifest(writer));
  write_file(crashed.file("m.toml"), crash_manifest(writer));
  auto reference = run_trainkit({"run", straight.file("m.toml")});
  INFO(reference.err);
  REQUIRE(reference.exit_code == 0);

  std::mt19937 rng(20261124);
  std::uniform_int_distribution<int> delay_ms(300, 2500);
  int kills = 0, exit_code = -1;
  const std::regex resumed_from("resumed from (\\S+) \\(trainkit\\) at iteration (\\d+)");
  for (int attempt = 0; attempt <= kMaxKills && exit_code != 0; ++attempt) {
    const std::string err_file = crashed.file("err" + std::to_string(attempt));
    int pid = start_process({TK_TRAINKIT_BIN, "run", crashed.file("m.toml"), "--resume"}, crashed.file("out"), err_file);
    if (attempt < kMaxKills) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      ::kill(pid, SIGKILL);
    }
    exit_code = wait_process(pid);
    if (exit_code == 128 + SIGKILL) ++kills;
    const std::string err = read_file(err_file);
    std::smatch m;
    if (std::regex_search(err, m, resumed_from)) {
      // Only a complete, committed snapshot is ever loaded: never a hidden temp file.
      CHECK(fs::path(m[1].str()).filename().string().rfind(".tmp", 0) != 0);
    }
    if (exit_code != 0 && exit_code != 128 + SIGKILL) FAIL("run ended with " << exit_code << ":\n" << err);
  }
  INFO("kills: " << kills);
  REQUIRE(exit_code == 0);
  CHECK(kills >= 1);
  auto a = trainkit::state::read_archive(final_snapshot_path(straight));
  auto b = trainkit::state::read_archive(final_snapshot_path(crashed));
  check_same_leaves(a, b);
  CHECK(without_time(read_json(straight.file("result/log"))) == without_time(read_json(crashed.file("result/log"))));
}

}  // namespace

TEST_CASE("kill -9 at random moments never loses the last complete snapshot (simple writer)", "[crash]") {
  TK_REQUIRE_DATA();
  check_crash_safety("simple");
}

TEST_CASE("kill -9 at random moments never loses the last complete snapshot (thread writer)", "[crash]") {
  TK_REQUIRE_DATA();
  check_crash_safety("thread");
}

// The writer process outlives a killed trainer and finishes the file it has; the resumed run never loads a
// temp file and leaves the writer's own temp files alone while it lives (the writer-pid rule).
TEST_CASE("kill -9 at random moments never loses the last complete snapshot (process_queue writer)", "[crash]") {
  TK_REQUIRE_DATA();
  check_crash_safety("process_queue");
}
