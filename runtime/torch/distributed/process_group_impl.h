// trainkit torch distributed: the c10d objects behind ProcessGroup, for the LibTorch code that runs
// collectives on tensors (data_parallel.cpp, gradient_buckets.cpp). Include only from runtime/torch/.
//
//   auto work = group.impl().launch("gradient all-reduce", [&] { return pg.allreduce(tensors); });
//   group.impl().wait("gradient all-reduce", work);   // TrainingError naming the rank to blame
#pragma once

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "torch/distributed/process_group.h"

namespace trainkit {

struct ProcessGroup::Impl {
  using Start = std::function<c10::intrusive_ptr<c10d::Work>()>;

  distributed::JobEnv job;
  DistributedConfig config;
  c10::intrusive_ptr<c10d::Store> store;          // the rendezvous (rank 0 also serves it)
  c10::intrusive_ptr<c10d::Store> probe;          // a second client with a short timeout: diagnosis, failure notes
  c10::intrusive_ptr<c10d::ProcessGroup> backend;
  at::Device device = at::kCPU;                   // where collective tensors live (CUDA for NCCL)
  std::atomic<int64_t> sequence{0};               // collectives entered, published by the watchdog
  bool broken = false;                            // a collective failed or abandon() was called [main thread]
  std::string broken_reason;
  GradientTiming gradient_timing;

  // Starts one collective, counted for the diagnosis; throws at once when the group is broken.
  c10::intrusive_ptr<c10d::Work> launch(const char* what, const Start& start);
  // Waits for it; a failure becomes a TrainingError naming the rank to blame, and breaks the group.
  void wait(const char* what, const c10::intrusive_ptr<c10d::Work>& work);
  void run(const char* what, const Start& start) { wait(what, launch(what, start)); }

  // The watchdog: a thread with its own store client that raises this rank's heartbeat and publishes
  // `sequence` every beat (Note [Naming the rank that failed]).
  void start_watchdog(c10::intrusive_ptr<c10d::Store> client);
  void stop_watchdog();
  std::chrono::milliseconds beat() const;

 private:
  [[noreturn]] void fail(const char* what, const std::string& error);
  std::string diagnose();

  std::thread watchdog_;
  std::mutex watchdog_mutex_;
  std::condition_variable watchdog_wake_;
  bool watchdog_stop_ = false;
};

}  // namespace trainkit
