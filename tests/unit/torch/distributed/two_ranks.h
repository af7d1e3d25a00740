// Two ranks of a job as two threads of this test process, each with its own ProcessGroup on 127.0.0.1.
// Catch2's assertions are not thread-safe: bodies record what they see, the test checks it after both ended.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "distributed/launcher.h"
#include "torch/distributed/process_group.h"

namespace tk_test {

inline trainkit::DistributedConfig test_config(double bucket_mb = 25) {
  trainkit::DistributedConfig c;
  c.timeout = 20;
  c.bucket_mb = bucket_mb;
  return c;
}

// What each rank's thread threw, if anything.
struct RankErrors {
  std::string what[2];
  bool failed(int rank) const { return !what[rank].empty(); }
};

// Runs body(rank, group) on both ranks at once. With final_barrier, both finish together (rank 0 serves the
// store, so it must not go while rank 1 still needs it).
inline RankErrors with_two_ranks(const std::function<void(int, trainkit::ProcessGroup&)>& body,
                                 const trainkit::DistributedConfig& config = test_config(), bool final_barrier = true,
                                 const std::function<std::string(int)>& fingerprint = [](int) { return "same"; }) {
  const int port = trainkit::distributed::free_local_port();
  RankErrors errors;
  auto rank_thread = [&](int rank) {
    try {
      trainkit::distributed::JobEnv job{rank, 2, rank, "127.0.0.1", port};
      auto group = trainkit::ProcessGroup::join(job, config, fingerprint(rank));
      body(rank, *group);
      if (final_barrier) group->barrier();
    } catch (const std::exception& e) {
      errors.what[rank] = e.what();
    }
  };
  std::thread r0(rank_thread, 0), r1(rank_thread, 1);
  r0.join();
  r1.join();
  return errors;
}

}  // namespace tk_test
