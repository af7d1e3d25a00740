// runtime/torch/dataset/epoch_order: which examples each batch holds, epoch after epoch.
#include "torch/dataset/epoch_order.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace trainkit::dataset {
namespace {

// The indices of one whole epoch and the sizes of its batches.
struct Epoch {
  std::vector<int64_t> indices;
  std::vector<int64_t> batch_sizes;
};

Epoch run_epoch(EpochOrder& order, int64_t batch_size) {
  Epoch epoch;
  const int64_t start = order.epoch();
  do {
    const auto batch = order.next_batch(batch_size);
    epoch.indices.insert(epoch.indices.end(), batch.indices, batch.indices + batch.size);
    epoch.batch_sizes.push_back(batch.size);
    if (epoch.batch_sizes.size() == 1) REQUIRE(order.epoch() == start + 1);
  } while (order.position() < order.size());
  return epoch;
}

bool is_permutation_of_range(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != static_cast<int64_t>(i)) return false;
  return true;
}

TEST_CASE("each epoch visits every example once, the last batch partial", "[torch][epoch_order]") {
  EpochOrder order(10, /*shuffle=*/true, /*seed=*/3);
  CHECK(order.epoch() == 0);
  for (int e = 1; e <= 3; ++e) {
    const Epoch epoch = run_epoch(order, 4);
    CHECK(order.epoch() == e);
    CHECK(epoch.batch_sizes == std::vector<int64_t>{4, 4, 2});
    CHECK(is_permutation_of_range(epoch.indices));
  }
}

TEST_CASE("without shuffle every epoch is 0..N-1", "[torch][epoch_order]") {
  EpochOrder order(7, /*shuffle=*/false, /*seed=*/0);
  std::vector<int64_t> identity(7);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(run_epoch(order, 3).indices == identity);
  CHECK(run_epoch(order, 3).indices == identity);
  CHECK(run_epoch(order, 100).batch_sizes == std::vector<int64_t>{7});
}

TEST_CASE("the shuffled order is drawn from the seed and changes every epoch", "[torch][epoch_order]") {
  EpochOrder a(1000, true, 42), b(1000, true, 42), c(1000, true, 43);
  const auto a1 = run_epoch(a, 64).indices, a2 = run_epoch(a, 64).indices;
  CHECK(a1 != a2);
  CHECK(run_epoch(b, 64).indices == a1);
  CHECK(run_epoch(b, 64).indices == a2);
  CHECK(run_epoch(c, 64).indices != a1);
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(a1 != identity);
  // The batch size does not change which permutation an epoch gets.
  EpochOrder d(1000, true, 42);
  CHECK(run_epoch(d, 1000).indices == a1);
}

TEST_CASE("a restored state continues with the same batches", "[torch][epoch_order]") {
  EpochOrder order(50, true, 7);
  run_epoch(order, 8);
  order.next_batch(8);
  order.next_batch(8);
  const EpochOrder::State saved = order.state();
  CHECK(saved.epoch == 2);
  CHECK(saved.position == 16);

  std::vector<int64_t> expected;
  for (int i = 0; i < 20; ++i) {  // runs past two epoch boundaries, so the generator state matters
    const auto batch = order.next_batch(8);
    expected.insert(expected.end(), batch.indices, batch.indices + batch.size);
  }

  EpochOrder restored(50, true, /*another seed:*/ 99);
  restored.set_state(saved);
  CHECK(restored.epoch() == 2);
  CHECK(restored.position() == 16);
  std::vector<int64_t> got;
  for (int i = 0; i < 20; ++i) {
    const auto batch = restored.next_batch(8);
    got.insert(got.end(), batch.indices, batch.indices + batch.size);
  }
  CHECK(got == expected);
}

TEST_CASE("a state that does not fit is refused and changes nothing", "[torch][epoch_order]") {
  EpochOrder order(50, true, 7);
  order.next_batch(8);
  const EpochOrder::State good = order.state();

  EpochOrder other(40, true, 7);
  CHECK_THROWS_AS(other.set_state(good), ResumeError);
  CHECK(other.epoch() == 0);

  EpochOrder::State bad = good;
  bad.order[0] = bad.order[1];
  CHECK_THROWS_WITH(order.set_state(bad), Catch::Matchers::Contains("not a permutation"));
  bad = good;
  bad.position = 51;
  CHECK_THROWS_AS(order.set_state(bad), ResumeError);
  bad = good;
  bad.generator.resize(10);
  CHECK_THROWS_WITH(order.set_state(bad), Catch::Matchers::Contains("generator"));
  CHECK(order.position() == 8);
  CHECK(order.order() == good.order);
}

}  // namespace
}  // namespace trainkit::dataset
