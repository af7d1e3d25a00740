// trainkit distributed: `trainkit run MANIFEST --nproc N`, N ranks of one job on this machine, the way
// `torchrun --standalone --nproc-per-node N` starts them.
//
//   LocalLaunch launch{4, {"/usr/bin/trainkit", "run", "m.toml"}, /*grace_seconds=*/330, log};
//   return launch_local(launch);   // the worst exit code of the four ranks
//
// Each rank is the same trainkit command line without --nproc, with torchrun's variables set (RANK,
// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT a free port) and
// OMP_NUM_THREADS=1 unless it is set, as torchrun does. The ranks run in a process group of their own, so
// a terminal's Ctrl-C reaches them once, through the launcher, which forwards SIGINT and SIGTERM; a rank
// whose launcher dies gets SIGTERM. When a rank fails, the others normally stop by themselves within the
// job's timeout (they name the failed rank); any still running `grace_seconds` later is killed.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace trainkit::distributed {

// Use to describe one local launch.
struct LocalLaunch {
  int nproc = 1;
  std::vector<std::string> argv;  // the command every rank runs; argv[0] is an executable path
  double grace_seconds = 0;       // after the first failure, how long the other ranks may take to stop
  std::function<void(const std::string&)> log;  // one line for the user (the launcher's own messages)
};

// Starts the ranks, waits for all of them and returns worst_exit_code of their exit codes.
// ConfigError when no port or process can be had.
int launch_local(const LocalLaunch& launch);

// The code that says most about a job from its ranks' codes: a rank killed by a signal (128 + n) or an
// internal error (70) over a configuration error (2) over a refused resume (3) over a failed training (1)
// over a stop by SIGINT/SIGTERM (130/143) over success (0). Ties go to the lowest rank.
int worst_exit_code(const std::vector<int>& codes);

// "0", "1 (training failed)", "137 (killed by SIGKILL)", ...
std::string describe_exit_code(int code);

// A TCP port on 127.0.0.1 that was free a moment ago. ConfigError when none can be had.
int free_local_port();

}  // namespace trainkit::distributed
