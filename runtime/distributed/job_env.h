// trainkit distributed: this process's place in a data-parallel job, read from torchrun's environment.
//
//   std::optional<JobEnv> job = read_job_env();   // nullopt: no RANK/WORLD_SIZE, a run of one process
//   if (job) join(*job);                          // rank job->rank of job->world_size at MASTER_ADDR:MASTER_PORT
//
// The contract is torchrun's (and `torch.distributed`'s env:// init): RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT, and LOCAL_RANK when several ranks share a machine. `trainkit run --nproc N`, torchrun, Slurm
// scripts that export them and Kubernetes' PyTorchJob all set them, so each launches trainkit unchanged.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace trainkit::distributed {

// Use as the checked description of one rank.
struct JobEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // this rank's index on its machine (LOCAL_RANK; RANK when unset)
  std::string master_addr;   // where rank 0 serves the rendezvous store
  int master_port = 0;
};

// Reads the variables through `getenv` (the process environment by default). nullopt when neither RANK
// nor WORLD_SIZE is set; ConfigError naming the variable for a missing, malformed or out-of-range one.
std::optional<JobEnv> read_job_env(const std::function<const char*(const char*)>& getenv = nullptr);

// "rank 1 of 4 (local rank 1), rendezvous at 10.0.0.1:29500"
std::string describe(const JobEnv& job);

}  // namespace trainkit::distributed
