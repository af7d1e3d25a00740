#include "distributed/shard.h"

#include <algorithm>

#include "core/error.h"

namespace trainkit::distributed {

std::vector<int64_t> rank_rows(const int64_t* rows, int64_t n, const int64_t* epoch_order, int64_t epoch_size,
                               const Shard& shard) {
  TK_INTERNAL_ASSERT(shard.count >= 1 && shard.rank >= 0 && shard.rank < shard.count && n >= 1 && epoch_size >= 1);
  const int64_t padded = (n + shard.count - 1) / shard.count * shard.count;
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(padded / shard.count));
  for (int64_t j = shard.rank; j < padded; j += shard.count)
    mine.push_back(j < n ? rows[j] : epoch_order[(j - n) % epoch_size]);
  return mine;
}

Range rank_range(int64_t n, const Shard& shard) {
  TK_INTERNAL_ASSERT(shard.count >= 1 && shard.rank >= 0 && shard.rank < shard.count && n >= 0);
  auto boundary = [&](int64_t r) { return n / shard.count * r + std::min(r, n % shard.count); };
  return Range{boundary(shard.rank), boundary(shard.rank + 1)};
}

}  // namespace trainkit::distributed
