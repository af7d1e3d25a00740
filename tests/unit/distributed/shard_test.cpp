// DistributedSampler semantics (runtime/distributed/shard.h): every rank's batches, taken from one global
// order, are the ones PyTorch's DistributedSampler + DataLoader(drop_last=False) hand that rank.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "distributed/shard.h"

using trainkit::distributed::rank_range;
using trainkit::distributed::rank_rows;
using trainkit::distributed::Shard;

namespace {

// torch.utils.data.DistributedSampler.__iter__ on a given permutation (shuffle done), drop_last=False, then
// cut into batches of `batch`.
std::vector<std::vector<int64_t>> sampler_batches(const std::vector<int64_t>& order, int64_t world, int64_t rank,
                                                  int64_t batch) {
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t per_rank = (n + world - 1) / world, total = per_rank * world;
  std::vector<int64_t> padded = order;
  while (static_cast<int64_t>(padded.size()) < total)
    padded.push_back(order[(padded.size() - order.size()) % order.size()]);
  std::vector<int64_t> mine;
  for (int64_t i = rank; i < total; i += world) mine.push_back(padded[static_cast<size_t>(i)]);
  std::vector<std::vector<int64_t>> batches;
  for (size_t i = 0; i < mine.size(); i += static_cast<size_t>(batch))
    batches.emplace_back(mine.begin() + static_cast<long>(i),
                         mine.begin() + static_cast<long>(std::min(mine.size(), i + static_cast<size_t>(batch))));
  return batches;
}

// What TrainData does with an EpochOrder: global batches of batch * world, each split by rank_rows.
std::vector<std::vector<int64_t>> our_batches(const std::vector<int64_t>& order, int64_t world, int64_t rank,
                                              int64_t batch) {
  std::vector<std::vector<int64_t>> batches;
  const int64_t n = static_cast<int64_t>(order.size());
  for (int64_t position = 0; position < n; position += batch * world) {
    const int64_t size = std::min(batch * world, n - position);
    batches.push_back(rank_rows(order.data() + position, size, order.data(), n, Shard{rank, world}));
  }
  return batches;
}

std::vector<int64_t> permutation(int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // A fixed shuffle: the semantics do not depend on which permutation it is.
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>((i * 7919) % (i + 1))]);
  return order;
}

}  // namespace

TEST_CASE("shard: each rank's batches are DistributedSampler's") {
  const int64_t n = GENERATE(1, 2, 3, 7, 64, 100, 513);
  const int64_t world = GENERATE(1, 2, 3, 4, 8);
  const int64_t batch = GENERATE(1, 5, 16);
  INFO("n " << n << " world " << world << " batch " << batch);
  const std::vector<int64_t> order = permutation(n);
  for (int64_t rank = 0; rank < world; ++rank) {
    INFO("rank " << rank);
    CHECK(our_batches(order, world, rank, batch) == sampler_batches(order, world, rank, batch));
  }
}

TEST_CASE("shard: the ranks of one global batch take every example once, plus the epoch's padding") {
  const std::vector<int64_t> order = permutation(10);
  std::vector<int64_t> all;
  for (int64_t rank = 0; rank < 4; ++rank) {
    auto mine = rank_rows(order.data() + 8, 2, order.data(), 10, Shard{rank, 4});  // the epoch's last 2 examples
    REQUIRE(mine.size() == 1);
    all.push_back(mine[0]);
  }
  CHECK(all == std::vector<int64_t>{order[8], order[9], order[0], order[1]});  // padded from the epoch's start
}

TEST_CASE("shard: evaluation parts cover the split once, sizes within one") {
  const int64_t n = GENERATE(0, 1, 5, 10000, 10001);
  const int64_t world = GENERATE(1, 2, 3, 7);
  int64_t next = 0;
  for (int64_t rank = 0; rank < world; ++rank) {
    auto part = rank_range(n, Shard{rank, world});
    CHECK(part.begin == next);
    CHECK(part.end - part.begin >= n / world);
    CHECK(part.end - part.begin <= n / world + 1);
    next = part.end;
  }
  CHECK(next == n);
}
