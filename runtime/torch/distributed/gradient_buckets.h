// trainkit torch distributed: DDP's gradient reducer. The parameters are grouped into buckets of about
// bucket_mb; an autograd hook on each parameter's gradient accumulator copies the gradient into its bucket,
// and the moment a bucket's last gradient is in, that bucket's all-reduce is launched, while the backward
// pass goes on with the earlier layers.
//
//   GradientBuckets buckets(group, parameters, /*bucket_bytes=*/25 << 20);
//   loss.backward();     // the hooks fill the buckets and launch their all-reduces
//   buckets.finish();    // waits; each parameter's .grad is now the mean over the ranks, the same everywhere
//
// Note [Buckets in a fixed order]
// Gloo and NCCL match collectives by the order they are called in, so every rank must launch the buckets
// in the same order. Buckets hold the parameters in reverse (the order a backward pass reaches them, as in
// DDP) and a ready bucket is launched only after every bucket before it; a parameter the backward never
// reached (unused this step) counts with the gradient it has (zero if none) when finish() launches what is
// left. The first bucket is at most 1 MiB, DDP's choice, so communication starts early in the backward pass.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "torch/distributed/process_group.h"

namespace trainkit {

// Use as a session's gradient averaging in a data-parallel run; one per model. What it costs goes to the
// group's gradient_timing().
class GradientBuckets {
 public:
  GradientBuckets(ProcessGroup& group, std::vector<at::Tensor> parameters, int64_t bucket_bytes);
  ~GradientBuckets();  // removes the hooks
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // While off, the hooks leave the gradients alone (they accumulate locally); on by default.
  void set_synchronizing(bool on) { synchronizing_ = on; }
  // After loss.backward(): launches what the hooks have not, waits for every bucket and writes each
  // parameter's gradient as the mean over the ranks. TrainingError (naming a rank) when a rank fails.
  void finish();

  size_t bucket_count() const { return buckets_.size(); }
  // The parameter indices of each bucket, in launch order.
  std::vector<std::vector<size_t>> layout() const;

 private:
  struct Bucket {
    std::vector<size_t> members;   // parameter indices
    std::vector<int64_t> offsets;  // where each member starts in flat
    at::Tensor flat;               // the members' gradients, one after the other
    size_t pending = 0;            // members whose gradient this backward has not produced yet
    c10::intrusive_ptr<c10d::Work> work;
  };

  void on_gradient(size_t parameter);  // the hook
  void launch_ready();                 // in bucket order; mutex_ held
  void launch(Bucket& bucket);
  void reset();

  ProcessGroup& group_;
  std::vector<at::Tensor> parameters_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // kept alive: they carry the hooks
  std::vector<uintptr_t> hook_keys_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<size_t, size_t>> slot_;  // parameter → (bucket, member index)
  std::vector<bool> ready_;                      // per parameter, this backward
  size_t next_launch_ = 0;
  std::mutex mutex_;  // hooks run on autograd's threads (the caller's for CPU tensors)
  bool in_backward_ = false;  // between the backward's first hook and finish()
  bool synchronizing_ = true;
  std::chrono::steady_clock::time_point first_launch_;
};

}  // namespace trainkit
