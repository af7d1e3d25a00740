// trainkit distributed: what the ranks agree on after every update, in one all-reduce.
//
//   IterationSync sync(comm);
//   Agreement a = sync.after_step(observation, stop_signal(), progress.elapsed_time());
//   // the observation now holds means over the ranks; a.signal and a.elapsed_time are the same on every rank
//
// Note [One agreement per iteration]
// Triggers decide which extensions run, and extensions call collectives (a snapshot's barrier, an
// evaluation's sums), so every rank must take the same decisions or the ranks stop meeting. Triggers read
// the observation, the iteration, the elapsed time and whether a signal asked the run to stop. After each
// update one all-reduce (a sum) carries the step's observations (divided by the world size afterwards:
// the mean over ranks, so `main/loss` is the global batch's mean), rank 0's elapsed time (the others add
// 0) and, per signal, how many ranks received it. Every rank then holds the same numbers, bit for bit.
// The step reports the same keys in the same order on every rank (it is the same code on the same kind
// of batch); only their values differ.
#pragma once

#include "distributed/communicator.h"
#include "trigger/observation.h"

namespace trainkit::distributed {

// Use for the result of one agreement.
struct Agreement {
  int signal = 0;           // SIGTERM if any rank received it, else SIGINT if any did, else 0
  double elapsed_time = 0;  // rank 0's
};

// Use once per run, after every update.
class IterationSync {
 public:
  explicit IterationSync(Communicator& comm) : comm_(comm) {}
  // Replaces every value in `observation` by its mean over the ranks. `local_signal` is the signal this
  // rank received (0 for none).
  Agreement after_step(Observation& observation, int local_signal, double local_elapsed_time);

 private:
  Communicator& comm_;
};

}  // namespace trainkit::distributed
