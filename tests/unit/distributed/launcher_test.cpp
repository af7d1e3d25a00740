// runtime/distributed/launcher.h: `run --nproc N` starts the ranks, tells each its place, reports the worst.
#include <catch2/catch.hpp>

#include <chrono>

#include "distributed/launcher.h"

using namespace trainkit::distributed;

namespace {

// A launch of `nproc` copies of /bin/sh -c script; the launcher's log lines are kept.
int launch_sh(int nproc, const std::string& script, double grace, std::vector<std::string>* log = nullptr) {
  LocalLaunch launch;
  launch.nproc = nproc;
  launch.argv = {"/bin/sh", "-c", script};
  launch.grace_seconds = grace;
  launch.log = [log](const std::string& line) {
    if (log) log->push_back(line);
  };
  return launch_local(launch);
}

}  // namespace

TEST_CASE("launcher: the worst exit code wins") {
  CHECK(worst_exit_code({0, 0}) == 0);
  CHECK(worst_exit_code({0, 130}) == 130);
  CHECK(worst_exit_code({130, 1}) == 1);
  CHECK(worst_exit_code({1, 3, 1}) == 3);
  CHECK(worst_exit_code({3, 2}) == 2);
  CHECK(worst_exit_code({2, 70}) == 70);
  CHECK(worst_exit_code({1, 137, 70}) == 137);
  CHECK(worst_exit_code({143, 130}) == 143);  // a tie goes to the lowest rank
  CHECK(describe_exit_code(137) == "137 (killed by SIGKILL)");
  CHECK(describe_exit_code(2) == "2 (usage, manifest or plugin error)");
}

TEST_CASE("launcher: every rank gets torchrun's variables and a free port") {
  // Each rank checks its own environment and exits 0 only if it is right.
  std::string script =
      "test \"$WORLD_SIZE\" = 3 && test \"$LOCAL_WORLD_SIZE\" = 3 && test \"$RANK\" = \"$LOCAL_RANK\" && "
      "test \"$MASTER_ADDR\" = 127.0.0.1 && test \"$MASTER_PORT\" -gt 0 && test -n \"$OMP_NUM_THREADS\" && "
      "exit 0";
  CHECK(launch_sh(3, script + " ; exit 9", 5) == 0);
  CHECK(launch_sh(2, "exit $((RANK * 3))", 5) == 3);  // rank 1 exits 3
  CHECK(free_local_port() > 0);
}

TEST_CASE("launcher: ranks still running after a failure and the grace period are killed") {
  std::vector<std::string> log;
  auto start = std::chrono::steady_clock::now();
  int code = launch_sh(2, "if [ \"$RANK\" = 1 ]; then exit 1; fi; exec sleep 30", 0.3, &log);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(code == 137);
  CHECK(took < 10);
  REQUIRE(log.size() == 3);
  CHECK(log[0] == "rank 1 exited with code 1 (training failed)");
  CHECK(log[1] == "ranks still running 0.3 s after the first failure; killing them");
  CHECK(log[2] == "rank 0 exited with code 137 (killed by SIGKILL)");
}
