// trainkit torch distributed: a session's part in a data-parallel run, what DDP does for a PyTorch model —
// the same weights on every rank before the first update, gradients averaged over the ranks in buckets,
// buffers (batch-norm statistics) from rank 0, and sums over the ranks for an evaluation.
//
//   DataParallel ddp(group, parameters, buffers);    // parameters: those that require gradients
//   data.set_shard(ddp.shard());
//   ddp.before_forward();  loss.backward();  ddp.after_backward();  optimizer.step();
//   ddp.set_synchronizing(false);  loss1.backward();  ddp.set_synchronizing(true);  loss2.backward();  // accumulating
//   std::vector<double> sums{loss_sum, correct};  ddp.sum(sums);   // an evaluation over every rank's part
//
// Note [Replicas agree before the first update]
// Every rank builds its model from the same seed, and then may load weights (a resume, --init-from) from
// files it reads itself. Rather than trust that all of them read the same bytes, the first forward (or
// evaluation) of the process copies rank 0's parameters and buffers to every rank, as DDP does when it
// wraps a module. From then on the ranks apply the same averaged gradients and stay bit-identical.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "distributed/shard.h"
#include "torch/distributed/gradient_buckets.h"
#include "torch/distributed/process_group.h"

namespace trainkit {

// Use as a session's link to the other ranks; one per session.
class DataParallel {
 public:
  DataParallel(ProcessGroup& group, const std::vector<at::Tensor>& parameters, std::vector<at::Tensor> buffers);

  distributed::Shard shard() const;
  // Before each training forward: Note [Replicas agree before the first update] the first time, rank 0's
  // buffers ([distributed] broadcast_buffers) every time.
  void before_forward();
  // DDP's no_sync: false for the backward passes of an accumulated update but its last one, whose hooks
  // then average the summed gradients.
  void set_synchronizing(bool on) { buckets_.set_synchronizing(on); }
  // After the update's last backward: every gradient is the mean over the ranks.
  void after_backward() { buckets_.finish(); }
  // Before an evaluation: Note [Replicas agree before the first update] if no update has run yet.
  void before_evaluate();
  // Element-wise sums over the ranks, the same on every rank.
  void sum(std::vector<double>& values);

  const GradientBuckets& buckets() const { return buckets_; }

 private:
  void broadcast_from_rank_0(const std::vector<at::Tensor>& tensors);

  ProcessGroup& group_;
  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> buffers_;
  GradientBuckets buckets_;
  bool replicas_agree_ = false;
};

}  // namespace trainkit
