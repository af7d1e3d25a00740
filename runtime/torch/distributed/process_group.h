// trainkit torch distributed: the job's process group — c10d's TCPStore rendezvous and ProcessGroupGloo
// (ProcessGroupNCCL where the LibTorch has it) — behind a header free of LibTorch, so the CLI and the trainer
// compile without it.
//
//   auto job = distributed::read_job_env();                       // torchrun's RANK, WORLD_SIZE, ...
//   auto group = ProcessGroup::join(*job, manifest.distributed, fingerprint);   // ConfigError: exit 2
//   group->all_reduce(values, distributed::Communicator::Op::kSum);             // TrainingError names a rank
//
// join: rank 0 serves a TCPStore on MASTER_PORT and every rank connects to MASTER_ADDR:MASTER_PORT; each
// rank publishes the run's fingerprint and checks every other rank's (the same manifest, --set and world
// size everywhere); then the Gloo group connects every pair of ranks. Every step waits at most the
// manifest's [distributed] timeout. A watchdog thread keeps a heartbeat in the store so a failed
// collective can name the rank to blame (Note [Naming the rank that failed], distributed/diagnosis.h).
#pragma once

#include <memory>
#include <string>

#include "distributed/communicator.h"
#include "distributed/job_env.h"
#include "manifest/manifest.h"

namespace trainkit {

// Use as the one process group of a distributed run; lives until the run's last collective.
class ProcessGroup final : public distributed::Communicator {
 public:
  // Rendezvous, fingerprint check and the backend's connections. ConfigError (exit 2) for a MASTER_ADDR that
  // does not resolve or cannot be reached, a MASTER_PORT in use on rank 0, ranks that do not all join within
  // the timeout, a fingerprint that differs from another rank's, or a backend this LibTorch lacks.
  static std::unique_ptr<ProcessGroup> join(const distributed::JobEnv& job, const DistributedConfig& config,
                                            const std::string& fingerprint);
  ~ProcessGroup() override;
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const override;
  int world_size() const override;
  int local_rank() const override;
  void all_reduce(std::vector<double>& values, Op op) override;
  void broadcast(std::string& text, int root) override;
  void barrier() override;
  void abandon(const std::string& why) noexcept override;

  const DistributedConfig& config() const;

  // What the gradient all-reduce cost, summed over the updates (gradient_buckets.h fills it).
  struct GradientTiming {
    int64_t steps = 0;
    int64_t buckets = 0;              // launched, over all steps
    int64_t launched_in_backward = 0; // of those, launched by a hook while the backward pass still ran
    double span_seconds = 0;          // first bucket's launch to the last one's completion
    double wait_seconds = 0;          // of that, after the backward pass: what the updates waited for
  };
  const GradientTiming& gradient_timing() const;

  // The c10d side, for runtime/torch/distributed/*.cpp (process_group_impl.h).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainkit
