// ppe's snapshot modes with two ranks: written, resumed bit-exactly, and loadable after kill -9 of a rank.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <thread>

#include "dist_support.h"

using namespace tk_test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string snapshots(const std::string& mode, const std::string& trigger) {
  return R"(
[[extension]]
use = "log_report"
trigger = "4 iteration"
[[extension]]
use = "snapshot"
trigger = ")" + trigger + R"("
saver_rank = 1
snapshot_mode = ")" + mode + "\"\n";
}

// The step a run of out/ would resume from and its files: a file (distributed) or a folder (sharded).
std::string snapshot_at(const TempDir& dir, int64_t iteration, const std::string& mode, int rank = 0) {
  std::string name = dir.file("result/snapshot_iter_" + std::to_string(iteration));
  return mode == "sharded" ? name + "/rank_" + std::to_string(rank) : name;
}

// 24 iterations straight, against 10 iterations, then --resume to 24: the same state and the same log.
void check_resume(const std::string& mode) {
  TempDir straight, stopped;
  const std::string manifest = dist_manifest("24 iteration", snapshots(mode, "4 iteration"));
  write_file(straight.file("m.toml"), manifest);
  write_file(stopped.file("m.toml"), manifest);
  auto a = run_trainkit({"run", straight.file("m.toml"), "--nproc", "2"});
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  auto b = run_trainkit({"run", stopped.file("m.toml"), "--nproc", "2", "--set", "trainer.stop=10 iteration"});
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  auto c = run_trainkit({"run", stopped.file("m.toml"), "--nproc", "2", "--resume"});
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  CHECK_THAT(c.err, Contains("trainkit[0]: resumed from " + snapshot_at(stopped, 8, mode, 0)));
  CHECK_THAT(c.err, Contains("trainkit[1]: resumed from " + snapshot_at(stopped, 8, mode, 1)));
  for (int rank = 0; rank < (mode == "sharded" ? 2 : 1); ++rank)
    check_same_leaves(read_snapshot(snapshot_at(straight, 24, mode, rank)),
                      read_snapshot(snapshot_at(stopped, 24, mode, rank)), {"model/", "optimizer/", "updater/"});
  CHECK(without_time(read_json(straight.file("result/log"))) == without_time(read_json(stopped.file("result/log"))));
}

}  // namespace

TEST_CASE("distributed snapshots: saver_rank writes one file, every rank resumes from it bit-exactly") {
  TK_REQUIRE_DATA();
  check_resume("distributed");
}

TEST_CASE("sharded snapshots: a step folder with each rank's part and a marker, resumed bit-exactly") {
  TK_REQUIRE_DATA();
  check_resume("sharded");
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("8 iteration", snapshots("sharded", "4 iteration")));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--nproc", "2"}).exit_code == 0);
  CHECK(list_dir(dir.file("result/snapshot_iter_8")) == Strings{"complete", "rank_0", "rank_1"});
  CHECK(read_json(dir.file("result/snapshot_iter_8/complete")) == nlohmann::json{{"iteration", 8}, {"world_size", 2}});
  // --resume with a step folder: each rank loads its part.
  auto r = run_trainkit({"run", dir.file("m.toml"), "--nproc", "2", "--resume", dir.file("result/snapshot_iter_4"),
                         "--set", "trainer.stop=12 iteration"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("resumed from " + dir.file("result/snapshot_iter_4/rank_1")));
}

TEST_CASE("sharded snapshots: a step without its marker is skipped and the ranks agree on the newest complete one") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("12 iteration", snapshots("sharded", "4 iteration")));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--nproc", "2"}).exit_code == 0);
  fs::remove(dir.file("result/snapshot_iter_12/complete"));              // a step some rank never finished
  write_file(dir.file("result/snapshot_iter_8/rank_1"), "not a snapshot");  // and a part broken on one rank
  auto r = run_trainkit({"run", dir.file("m.toml"), "--nproc", "2", "--resume", "--set", "trainer.stop=16 iteration"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("trainkit[1]: [snapshot] warning: skipping snapshot step snapshot_iter_8"));
  CHECK_THAT(r.err, Contains("trainkit[0]: resumed from " + dir.file("result/snapshot_iter_4/rank_0")));
  CHECK_THAT(r.err, Contains("trainkit[1]: resumed from " + dir.file("result/snapshot_iter_4/rank_1")));
}

TEST_CASE("a run resumed with another number of ranks loads the model and says the data order is not exact") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("8 iteration", snapshots("distributed", "8 iteration")));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--nproc", "2"}).exit_code == 0);
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=12 iteration", "--set",
                         "extension.snapshot.saver_rank=0"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("resuming a run of 2 rank(s) with 1: model, optimizer and counters load exactly; "
                             "the data order does not"));
}

TEST_CASE("SIGINT to the launcher stops every rank at the same iteration with a final snapshot") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("1000 epoch", snapshots("sharded", "100 epoch")));
  int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml"), "--nproc", "2"}, dir.file("out"), dir.file("err"));
  // Once the ranks train (log_report's first record), however long this loaded machine took to start them.
  auto start = std::chrono::steady_clock::now();
  while (!file_exists(dir.file("result/log")) && seconds_since(start) < 60)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGINT);
  int code = wait_process(pid);
  INFO(read_file(dir.file("err")));
  CHECK(code == 130);
  std::vector<std::string> steps;
  for (auto& e : fs::directory_iterator(dir.file("result")))
    if (e.path().filename().string().rfind("snapshot_iter_", 0) == 0) steps.push_back(e.path().string());
  REQUIRE(steps.size() == 1);  // the final snapshot, complete: both ranks stopped at the same iteration
  CHECK(list_dir(steps[0]) == Strings{"complete", "rank_0", "rank_1"});
}

TEST_CASE("kill -9 of a rank: the others stop within the timeout naming it, and the last complete step resumes",
          "[crash]") {
  TK_REQUIRE_DATA();
  for (const std::string mode : {"sharded", "distributed"}) {
    INFO("mode " << mode);
    TempDir straight, killed;
    const std::string manifest = dist_manifest("60 iteration", snapshots(mode, "1 iteration"), 32, /*timeout=*/5);
    write_file(straight.file("m.toml"), manifest);
    write_file(killed.file("m.toml"), manifest);
    REQUIRE(run_trainkit({"run", straight.file("m.toml"), "--nproc", "2"}).exit_code == 0);

    int launcher = start_process({TK_TRAINKIT_BIN, "run", killed.file("m.toml"), "--nproc", "2"}, killed.file("out"),
                                 killed.file("err"));
    // Wait for a few snapshots, then kill the rank that is not the saver mid-run.
    const std::string third = mode == "sharded" ? killed.file("result/snapshot_iter_3/complete")
                                                : killed.file("result/snapshot_iter_3");
    auto start = std::chrono::steady_clock::now();
    while (!file_exists(third) && seconds_since(start) < 60) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int victim = rank_pid(launcher, 0);
    REQUIRE(victim > 0);
    ::kill(victim, SIGKILL);
    auto killed_at = std::chrono::steady_clock::now();
    int code = wait_process(launcher);
    const double took = seconds_since(killed_at);
    const std::string err = read_file(killed.file("err"));
    INFO(err);
    CHECK(code == 137);  // the worst rank: killed by SIGKILL
    CHECK(took < 5 + 10);
    CHECK_THAT(err, Contains("trainkit[1]: error: ") && Contains("rank 0 "));  // the step that failed, and the rank
    CHECK_THAT(err, Contains("trainkit: warning: rank 0 exited with code 137 (killed by SIGKILL)"));

    auto resumed = run_trainkit({"run", killed.file("m.toml"), "--nproc", "2", "--resume"});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.err, Contains("resumed from"));
    check_same_leaves(read_snapshot(snapshot_at(straight, 60, mode)), read_snapshot(snapshot_at(killed, 60, mode)),
                      {"model/", "optimizer/", "updater/"});
  }
}
