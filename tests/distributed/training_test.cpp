// Data-parallel training end to end: replicas stay bit-identical, match one process with the same global
// batch, report global means, and a job started rank by rank with torchrun's variables trains the same.
#include <catch2/catch.hpp>

#include <filesystem>

#include "dist_support.h"
#include "distributed/launcher.h"

using namespace tk_test;
using Catch::Matchers::Contains;

namespace {

// An evaluation and a log each epoch; a sharded step at the end, so each rank's replica is on disk.
const char* kLoggedEpochs = R"(
[[extension]]
use = "evaluator"
[[extension]]
use = "log_report"
[[extension]]
use = "snapshot"
trigger = "2 epoch"
snapshot_mode = "sharded"
)";

}  // namespace

TEST_CASE("two ranks keep bit-identical replicas that match one process with the same global batch") {
  TK_REQUIRE_DATA();
  TempDir two, one;
  write_file(two.file("m.toml"), dist_manifest("2 epoch", kLoggedEpochs));
  auto r = run_trainkit({"run", two.file("m.toml"), "--nproc", "2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("batch 32 per rank x 2 ranks, 8 iterations per epoch"));
  CHECK_THAT(r.err, Contains("gradient all-reduce"));
  const auto rank0 = read_snapshot(two.file("result/snapshot_iter_16/rank_0"));
  const auto rank1 = read_snapshot(two.file("result/snapshot_iter_16/rank_1"));
  check_same_leaves(rank0, rank1, {"model/", "optimizer/", "updater/"});

  // One process, batch 64: the same examples per update, the same mean loss, gradients summed in another order.
  write_file(one.file("m.toml"), dist_manifest("2 epoch", kLoggedEpochs, 64));
  auto single = run_trainkit({"run", one.file("m.toml")});
  INFO(single.err);
  REQUIRE(single.exit_code == 0);
  const auto alone = read_snapshot(one.file("result/snapshot_iter_16/rank_0"));  // sharded: a folder in one process too
  CHECK(max_float_difference(rank0, alone, "model/") < 1e-5);
  CHECK(max_float_difference(rank0, alone, "model/") > 0);  // not the same arithmetic, so not trivially equal

  // main/loss is the global batch's mean, and the evaluation over two halves is the one over the whole split.
  auto log2 = read_json(two.file("result/log")), log1 = read_json(one.file("result/log"));
  REQUIRE(log2.size() == 2);
  REQUIRE(log1.size() == 2);
  CHECK(log2[1]["elapsed_time"].get<double>() > log2[0]["elapsed_time"].get<double>());  // rank 0's clock runs on
  for (size_t e = 0; e < 2; ++e)
    for (const char* key : {"main/loss", "validation/main/loss", "validation/main/accuracy"}) {
      INFO("epoch " << e + 1 << " " << key);
      CHECK(log2[e][key].get<double>() == Approx(log1[e][key].get<double>()).epsilon(1e-4));
    }
}

TEST_CASE("two ranks started one by one with torchrun's variables train as one job, and only rank 0 reports") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("1 epoch", R"(
[[extension]]
use = "print_report"
[[extension]]
use = "log_report"
)"));
  const int port = trainkit::distributed::free_local_port();
  int pids[2];
  for (int rank = 0; rank < 2; ++rank)
    pids[rank] = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out" + std::to_string(rank)),
                               dir.file("err" + std::to_string(rank)), rank_env(rank, 2, port));
  for (int rank = 0; rank < 2; ++rank) {
    int code = wait_process(pids[rank]);
    INFO("rank " << rank << ":\n" << read_file(dir.file("err" + std::to_string(rank))));
    CHECK(code == 0);
  }
  CHECK_THAT(read_file(dir.file("out0")), Contains("main/loss"));  // print_report's table
  CHECK(read_file(dir.file("out1")).empty());
  CHECK_THAT(read_file(dir.file("err0")), Contains("trainkit[0]: done: 8 iterations"));
  CHECK_THAT(read_file(dir.file("err1")), !Contains("done:"));
  CHECK(read_json(dir.file("result/log")).size() == 1);
}

TEST_CASE("two ranks accumulating two batches of 16 match one process with batches of 64") {
  TK_REQUIRE_DATA();
  TempDir two, one;
  const char* kSnapshot = "[[extension]]\nuse = \"snapshot\"\ntrigger = \"1 epoch\"\n";
  write_file(two.file("m.toml"), dist_manifest("1 epoch", kSnapshot, 16));
  auto r = run_trainkit({"run", two.file("m.toml"), "--nproc", "2", "--set", "trainer.accumulate=2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("batch 16 per rank x 2 ranks x 2 accumulated, 8 iterations per epoch"));
  write_file(one.file("m.toml"), dist_manifest("1 epoch", kSnapshot, 64));
  REQUIRE(run_trainkit({"run", one.file("m.toml")}).exit_code == 0);
  CHECK(max_float_difference(read_snapshot(two.file("result/snapshot_iter_8")),
                             read_snapshot(one.file("result/snapshot_iter_8")), "model/") < 1e-5);
}
