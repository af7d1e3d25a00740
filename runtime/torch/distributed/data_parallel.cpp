#include "torch/distributed/data_parallel.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <map>

#include "torch/distributed/process_group_impl.h"

namespace trainkit {
namespace {

// DDP reduces only what trains: a frozen parameter has no gradient accumulator to hook.
std::vector<at::Tensor> trained(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& p : parameters)
    if (p.requires_grad()) out.push_back(p);
  return out;
}

}  // namespace

DataParallel::DataParallel(ProcessGroup& group, const std::vector<at::Tensor>& parameters, std::vector<at::Tensor> buffers)
    : group_(group),
      parameters_(parameters),
      buffers_(std::move(buffers)),
      buckets_(group, trained(parameters), static_cast<int64_t>(std::llround(group.config().bucket_mb * (1 << 20)))) {}

distributed::Shard DataParallel::shard() const { return {group_.rank(), group_.world_size()}; }

// One broadcast per dtype: the tensors are packed into one flat buffer, sent, and copied back.
void DataParallel::broadcast_from_rank_0(const std::vector<at::Tensor>& tensors) {
  std::map<at::ScalarType, std::vector<at::Tensor>> by_type;
  for (const at::Tensor& t : tensors) by_type[t.scalar_type()].push_back(t);
  c10::AutoGradMode no_grad(false);
  for (auto& [type, group] : by_type) {
    std::vector<at::Tensor> flat_parts;
    for (const at::Tensor& t : group) flat_parts.push_back(t.reshape({-1}));
    std::vector<at::Tensor> flat{at::cat(flat_parts).to(group_.impl().device)};
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    group_.impl().run("broadcast of rank 0's model", [&] { return group_.impl().backend->broadcast(flat, options); });
    int64_t offset = 0;
    for (const at::Tensor& t : group) {
      at::Tensor target = t;
      target.copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

void DataParallel::before_evaluate() {
  if (replicas_agree_) return;
  std::vector<at::Tensor> all = parameters_;
  all.insert(all.end(), buffers_.begin(), buffers_.end());
  broadcast_from_rank_0(all);
  replicas_agree_ = true;
}

void DataParallel::before_forward() {
  if (!replicas_agree_) return before_evaluate();
  if (group_.config().broadcast_buffers && !buffers_.empty()) broadcast_from_rank_0(buffers_);
}

void DataParallel::sum(std::vector<double>& values) { group_.all_reduce(values, distributed::Communicator::Op::kSum); }

}  // namespace trainkit
