#include "torch/distributed/gradient_buckets.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include "core/error.h"
#include "torch/distributed/process_group_impl.h"

namespace trainkit {
namespace {

constexpr int64_t kFirstBucketBytes = 1 << 20;  // DDP's _DEFAULT_FIRST_BUCKET_BYTES

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// Note [Buckets in a fixed order] (gradient_buckets.h).
GradientBuckets::GradientBuckets(ProcessGroup& group, std::vector<at::Tensor> parameters, int64_t bucket_bytes)
    : group_(group), parameters_(std::move(parameters)), slot_(parameters_.size()), ready_(parameters_.size(), false) {
  int64_t cap = std::min(kFirstBucketBytes, bucket_bytes), filled = 0;
  for (size_t k = parameters_.size(); k-- > 0;) {
    const at::Tensor& p = parameters_[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool fits = !buckets_.empty() && filled + bytes <= cap &&
                      parameters_[buckets_.back().members.front()].scalar_type() == p.scalar_type();
    if (!fits) {
      if (!buckets_.empty()) cap = bucket_bytes;
      buckets_.emplace_back();
      filled = 0;
    }
    Bucket& b = buckets_.back();
    slot_[k] = {buckets_.size() - 1, b.members.size()};
    b.offsets.push_back(filled / static_cast<int64_t>(p.element_size()));
    b.members.push_back(k);
    filled += bytes;
  }
  for (Bucket& b : buckets_) {
    const at::Tensor& last = parameters_[b.members.back()];
    b.flat = at::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
    b.pending = b.members.size();
  }
  for (size_t k = 0; k < parameters_.size(); ++k) {
    std::shared_ptr<torch::autograd::Node> acc = torch::autograd::impl::grad_accumulator(parameters_[k]);
    TK_INTERNAL_ASSERT(acc != nullptr);
    hook_keys_.push_back(acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [this, k](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          on_gradient(k);
          return outputs;
        })));
    accumulators_.push_back(std::move(acc));
  }
}

GradientBuckets::~GradientBuckets() {
  for (size_t k = 0; k < accumulators_.size(); ++k) accumulators_[k]->del_post_hook(hook_keys_[k]);
}

std::vector<std::vector<size_t>> GradientBuckets::layout() const {
  std::vector<std::vector<size_t>> out;
  for (const Bucket& b : buckets_) out.push_back(b.members);
  return out;
}

void GradientBuckets::on_gradient(size_t k) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!synchronizing_) return;
  auto [bucket, member] = slot_[k];
  Bucket& b = buckets_[bucket];
  TK_CHECK(!ready_[k] && bucket >= next_launch_, TrainingError, "a parameter received its gradient twice in one "
           "backward pass, after its bucket's all-reduce was launched (distributed runs need one backward per step)");
  const at::Tensor& p = parameters_[k];
  b.flat.narrow(0, b.offsets[member], p.numel()).view(p.sizes()).copy_(p.grad());
  ready_[k] = true;
  --b.pending;
  in_backward_ = true;
  launch_ready();
}

void GradientBuckets::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) launch(buckets_[next_launch_++]);
}

void GradientBuckets::launch(Bucket& b) {
  if (&b == &buckets_.front()) first_launch_ = std::chrono::steady_clock::now();
  ProcessGroup::GradientTiming& timing = group_.impl().gradient_timing;
  ++timing.buckets;
  if (in_backward_) ++timing.launched_in_backward;
  // DDP divides before summing: the sum of the ranks' shares is then the mean.
  b.flat.div_(static_cast<double>(group_.world_size()));
  std::vector<at::Tensor> tensors{b.flat};
  b.work = group_.impl().launch("gradient all-reduce", [&] { return group_.impl().backend->allreduce(tensors); });
}

void GradientBuckets::finish() {
  const auto backward_done = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_backward_ = false;
    for (size_t i = next_launch_; i < buckets_.size(); ++i) {
      Bucket& b = buckets_[i];
      for (size_t m = 0; m < b.members.size(); ++m) {
        size_t k = b.members[m];
        if (ready_[k]) continue;
        // Not reached by the last backward: what earlier ones of an accumulated update left, else zero.
        const at::Tensor& p = parameters_[k];
        at::Tensor part = b.flat.narrow(0, b.offsets[m], p.numel());
        if (p.grad().defined()) part.view(p.sizes()).copy_(p.grad());
        else part.zero_();
        ready_[k] = true;
      }
      b.pending = 0;
    }
    launch_ready();
  }
  try {
    for (Bucket& b : buckets_) group_.impl().wait("gradient all-reduce", b.work);
  } catch (...) {
    reset();
    throw;
  }
  ProcessGroup::GradientTiming& timing = group_.impl().gradient_timing;
  timing.wait_seconds += seconds_since(backward_done);
  timing.span_seconds += seconds_since(first_launch_);
  ++timing.steps;
  for (Bucket& b : buckets_)
    for (size_t m = 0; m < b.members.size(); ++m) {
      at::Tensor& p = parameters_[b.members[m]];
      at::Tensor mean = b.flat.narrow(0, b.offsets[m], p.numel()).view(p.sizes());
      if (p.grad().defined()) p.mutable_grad().copy_(mean);
      else p.mutable_grad() = mean.clone();
    }
  reset();
}

void GradientBuckets::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Bucket& b : buckets_) {
    b.pending = b.members.size();
    b.work.reset();
  }
  std::fill(ready_.begin(), ready_.end(), false);
  next_launch_ = 0;
  in_backward_ = false;
}

}  // namespace trainkit
