// DDP's parts (runtime/torch/distributed/data_parallel.h, gradient_buckets.h) with two ranks in one process.
#include <torch/torch.h>
#undef CHECK  // glog's, which LibTorch pulls in; Catch2's is the one meant here

#include <catch2/catch.hpp>

#include "torch/distributed/data_parallel.h"
#include "two_ranks.h"

using namespace tk_test;

namespace {

// A two-layer network whose weights depend only on `offset`, so both ranks can start equal or not.
struct Net {
  explicit Net(double offset) {
    w1 = (torch::arange(48, torch::kFloat).reshape({6, 8}) / 100 + offset).requires_grad_();
    b1 = torch::zeros({6}).requires_grad_();
    w2 = (torch::arange(18, torch::kFloat).reshape({3, 6}) / 50 - offset).requires_grad_();
    b2 = torch::ones({3}).requires_grad_();
  }
  std::vector<at::Tensor> parameters() const { return {w1, b1, w2, b2}; }
  at::Tensor loss(const at::Tensor& x) const {
    return torch::relu(torch::linear(x, w1, b1)).matmul(w2.t()).add(b2).pow(2).mean();
  }
  at::Tensor w1, b1, w2, b2;
};

// This rank's batch: different on each rank.
at::Tensor batch_of(int rank) {
  auto g = at::detail::createCPUGenerator(100 + rank);
  return torch::randn({5, 8}, g);
}

}  // namespace

TEST_CASE("gradient buckets: each gradient becomes the mean over the ranks; every bucket launches during backward") {
  std::vector<at::Tensor> local[2], averaged[2];
  trainkit::ProcessGroup::GradientTiming timing[2];
  size_t buckets[2] = {0, 0};
  auto errors = with_two_ranks(
      [&](int rank, trainkit::ProcessGroup& group) {
        Net alone(0.0), net(0.0);
        alone.loss(batch_of(rank)).backward();
        for (auto& p : alone.parameters()) local[rank].push_back(p.grad().clone());
        trainkit::DataParallel ddp(group, net.parameters(), {});
        buckets[rank] = ddp.buckets().bucket_count();
        ddp.before_forward();
        net.loss(batch_of(rank)).backward();
        ddp.after_backward();
        for (auto& p : net.parameters()) averaged[rank].push_back(p.grad().clone());
        timing[rank] = group.gradient_timing();
      },
      test_config(/*bucket_mb=*/1e-6));  // ~1 byte: one parameter per bucket
  INFO(errors.what[0] << errors.what[1]);
  REQUIRE(!errors.failed(0));
  REQUIRE(!errors.failed(1));
  CHECK(buckets[0] == 4);
  for (size_t k = 0; k < 4; ++k) {
    INFO("parameter " << k);
    CHECK(at::equal(averaged[0][k], averaged[1][k]));  // bit-identical on both ranks
    CHECK(at::equal(averaged[0][k], local[0][k] / 2 + local[1][k] / 2));
  }
  CHECK(timing[0].steps == 1);
  CHECK(timing[0].buckets == 4);
  CHECK(timing[0].launched_in_backward == 4);  // none waited for finish()
}

TEST_CASE("gradient buckets: one bucket holds parameters up to bucket_mb, in reverse order, the first one small") {
  size_t buckets = 0;
  auto errors = with_two_ranks([&](int rank, trainkit::ProcessGroup& group) {
    Net net(0.0);
    std::vector<at::Tensor> many;
    for (int i = 0; i < 3; ++i) many.push_back(torch::zeros({1 << 17}).requires_grad_());  // 512 KiB each
    trainkit::GradientBuckets b(group, many, 4 << 20);
    if (rank == 0) buckets = b.bucket_count();
    auto layout = b.layout();
    if (rank == 0 && layout != std::vector<std::vector<size_t>>{{2, 1}, {0}})
      throw std::runtime_error("unexpected layout");  // the first bucket (1 MiB) holds the last two
  });
  INFO(errors.what[0] << errors.what[1]);
  CHECK(!errors.failed(0));
  CHECK(buckets == 2);
}

TEST_CASE("data parallel: rank 0's parameters and buffers reach every rank before the first forward") {
  std::vector<at::Tensor> seen[2];
  auto errors = with_two_ranks([&](int rank, trainkit::ProcessGroup& group) {
    Net net(rank == 0 ? 0.0 : 1.0);
    at::Tensor running_mean = torch::full({6}, static_cast<float>(rank));
    trainkit::DataParallel ddp(group, net.parameters(), {running_mean});
    ddp.before_forward();
    seen[rank] = net.parameters();
    seen[rank].push_back(running_mean);
  });
  INFO(errors.what[0] << errors.what[1]);
  REQUIRE(!errors.failed(0));
  REQUIRE(!errors.failed(1));
  for (size_t k = 0; k < seen[0].size(); ++k) CHECK(at::equal(seen[0][k], seen[1][k]));
  CHECK(at::equal(seen[1][4], torch::zeros({6})));  // rank 0's buffer
}

TEST_CASE("data parallel: a parameter the backward never reaches counts as a zero gradient, no rank waits") {
  at::Tensor grads[2];
  auto errors = with_two_ranks([&](int rank, trainkit::ProcessGroup& group) {
    Net net(0.0);
    at::Tensor unused = torch::ones({4}).requires_grad_();
    std::vector<at::Tensor> params = net.parameters();
    params.push_back(unused);
    trainkit::DataParallel ddp(group, params, {});
    ddp.before_forward();
    net.loss(batch_of(rank)).backward();
    ddp.after_backward();
    grads[rank] = unused.grad().clone();
  });
  INFO(errors.what[0] << errors.what[1]);
  REQUIRE(!errors.failed(0));
  CHECK(at::equal(grads[0], torch::zeros({4})));
  CHECK(at::equal(grads[1], torch::zeros({4})));
}

TEST_CASE("data parallel: an accumulated update all-reduces once, the mean over the ranks of each rank's sum") {
  std::vector<at::Tensor> summed[2], averaged[2];
  int64_t steps[2] = {0, 0};
  auto errors = with_two_ranks(
      [&](int rank, trainkit::ProcessGroup& group) {
        Net alone(0.0), net(0.0);
        for (int i = 0; i < 2; ++i) alone.loss(batch_of(rank + 2 * i)).backward();
        for (auto& p : alone.parameters()) summed[rank].push_back(p.grad().clone());
        trainkit::DataParallel ddp(group, net.parameters(), {});
        ddp.before_forward();
        for (int i = 0; i < 2; ++i) {
          ddp.set_synchronizing(i == 1);  // DDP's no_sync for all but the last backward
          net.loss(batch_of(rank + 2 * i)).backward();
        }
        ddp.after_backward();
        for (auto& p : net.parameters()) averaged[rank].push_back(p.grad().clone());
        steps[rank] = group.gradient_timing().steps;
      },
      test_config(/*bucket_mb=*/1e-6));
  INFO(errors.what[0] << errors.what[1]);
  REQUIRE(!errors.failed(0));
  REQUIRE(!errors.failed(1));
  CHECK(steps[0] == 1);
  for (size_t k = 0; k < 4; ++k) {
    INFO("parameter " << k);
    CHECK(at::equal(averaged[0][k], averaged[1][k]));
    CHECK(at::allclose(averaged[0][k], summed[0][k] / 2 + summed[1][k] / 2));
  }
}
