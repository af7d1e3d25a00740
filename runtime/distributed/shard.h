// trainkit distributed: which examples each rank takes, PyTorch's DistributedSampler semantics.
//
//   const int64_t* global = order + position;               // the next batch_size * world_size examples
//   std::vector<int64_t> mine = rank_rows(global, n, order, epoch_size, shard);   // this rank's batch_size
//   Range part = rank_range(validation_size, shard);         // this rank's slice of an evaluation
//
// Note [One global order, strided by rank]
// Every rank draws the same seeded permutation of the epoch (the seed and the epoch decide it) and takes
// it batch_size * world_size examples at a time; rank r keeps the examples at positions r, r + W, r + 2W...
// of that global batch. That is exactly DistributedSampler's `indices[rank::world_size]` cut into batches,
// and it keeps the saved position global: a snapshot of any rank resumes every rank, and a run resumed with
// another world size still continues the same epoch. The epoch's last global batch is padded to a multiple
// of W with the epoch's first examples, as DistributedSampler pads, so every rank takes equally many
// examples and the mean of the ranks' mean losses is the mean over the global batch.
#pragma once

#include <cstdint>
#include <vector>

namespace trainkit::distributed {

// Use as this process's share of the data: rank `rank` of `count`.
struct Shard {
  int64_t rank = 0;
  int64_t count = 1;
  bool whole() const { return count == 1; }
};

// Rank shard.rank's examples of one global batch: rows[0..n) at positions rank, rank + count, ... of the
// batch padded (with epoch_order[0], epoch_order[1], ...; epoch_order has epoch_size entries) to a multiple
// of shard.count. n is at most batch_size * count and less only for the epoch's last batch.
std::vector<int64_t> rank_rows(const int64_t* rows, int64_t n, const int64_t* epoch_order, int64_t epoch_size,
                               const Shard& shard);

// A contiguous part [begin, end) of n examples; the parts of all ranks cover 0..n exactly once, sizes differ
// by at most one. An evaluation sums over its part and the sums are added across ranks, so its means are
// those of one process.
struct Range {
  int64_t begin = 0;
  int64_t end = 0;
};
Range rank_range(int64_t n, const Shard& shard);

}  // namespace trainkit::distributed
