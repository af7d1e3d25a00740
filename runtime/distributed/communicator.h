// trainkit distributed: what the torch-free host (trainer, host services) asks of the ranks of a job.
//
//   Communicator& comm = ...;                        // the job's process group (torch/distributed/process_group.h)
//   std::vector<double> v{loss};  comm.all_reduce(v, Communicator::Op::kSum);
//   comm.broadcast(path, /*root=*/saver_rank);       // every rank now holds the saver's string
//   comm.barrier();
//
// Every collective must be called by every rank, in the same order, from the main thread. A collective
// that cannot complete (a rank died, hangs, or failed on its own) throws TrainingError naming the rank
// within the job's timeout; after that, and after abandon(), every collective throws at once, so an
// error path (on_error, finalize) never waits on ranks that will not come.
#pragma once

#include <string>
#include <vector>

namespace trainkit::distributed {

// Use as the trainer's handle on the other ranks; null in a run of one process.
class Communicator {
 public:
  enum class Op { kSum, kMin, kMax };

  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual int local_rank() const = 0;

  // Element-wise over every rank's `values` (the same length on every rank); the result replaces them,
  // the same on every rank.
  virtual void all_reduce(std::vector<double>& values, Op op) = 0;
  // Rank `root`'s text replaces `text` on every rank.
  virtual void broadcast(std::string& text, int root) = 0;
  virtual void barrier() = 0;

  // This rank is failing for a reason of its own (`why`): the other ranks' diagnosis names it with that
  // reason, and from now on every collective here throws at once. Never throws.
  virtual void abandon(const std::string& why) noexcept = 0;
};

}  // namespace trainkit::distributed
