// trainkit torch: the examples a session trains and evaluates on, as batches of named tensors.
//
//   TrainData data(manifest.data, seed);
//   Batch b = data.next_train_batch(64);            // {"image": float [64,1,28,28], "label": int64 [64]}
//   data.for_each_batch("validation", 1000, [&](const Batch& b) { ... });
//   data.save_order(saver);  auto staged = data.read_order(loader);  data.apply_order(std::move(staged));
//
// Note [Epoch order is explicit state] (dataset/epoch_order.h): which examples the next batch holds is
// decided by the saved order alone, so a resumed run sees the same batches.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "distributed/shard.h"
#include "manifest/manifest.h"
#include "state/visitor.h"
#include "torch/dataset/epoch_order.h"

namespace trainkit {

// Use for one batch: every field has the same first dimension, `size`.
struct Batch {
  std::map<std::string, at::Tensor> fields;
  int64_t size = 0;
  const at::Tensor& at(const std::string& name) const;  // ConfigError naming the fields there are
};

// Use as a session's data: the training split in a seeded order, and the splits to evaluate.
class TrainData {
 public:
  // Reads the splits the manifest names. ConfigError naming the file for a missing or bad one.
  TrainData(const DataConfig& config, uint64_t seed);

  int64_t train_size() const;
  // Examples per split ("train", "validation"); nullopt for a split the manifest has not.
  std::optional<int64_t> split_size(const std::string& split) const;
  // The shape of one example of `field` (e.g. {1, 28, 28} for "image").
  std::vector<int64_t> example_shape(const std::string& field) const;
  // 1 + the largest label of every split: the classes a classifier needs at least.
  int64_t label_classes() const;

  // This process's share in a data-parallel run (Note [One global order, strided by rank], distributed/shard.h):
  // a training batch is its part of batch_size * shard.count examples of the global order, and
  // for_each_batch visits its contiguous part of the split. The saved order stays the global one.
  void set_shard(const distributed::Shard& shard) { shard_ = shard; }

  // The next training batch in the epoch order (a new permutation when an epoch begins).
  Batch next_train_batch(int64_t batch_size);
  // Every example of `split` (of this process's share), in order, in batches of at most batch_size.
  // ConfigError for an unknown split.
  void for_each_batch(const std::string& split, int64_t batch_size, const std::function<void(const Batch&)>& fn) const;

  // The epoch order as saved state (`updater/epoch`, `position`, `order`, `order_generator`). read_order
  // checks everything and changes nothing (ResumeError when it does not fit); apply_order installs it.
  void save_order(state::Visitor& v) const;
  std::optional<dataset::EpochOrder> read_order(state::Visitor& v) const;
  void apply_order(std::optional<dataset::EpochOrder> order);

  // "60000 train / 10000 validation examples"
  std::string describe() const;

 private:
  // One split in memory. Images stay uint8 (a quarter of float's 188 MB for Fashion-MNIST's training set)
  // and become float [B, 1, H, W] in [0, 1] batch by batch.
  struct Split {
    at::Tensor images;  // uint8 [N, 1, rows, cols]
    at::Tensor labels;  // int64 [N]
    int64_t size() const { return labels.size(0); }
  };
  static Split load_split(const DataConfig& config, const std::string& stem, int64_t limit);
  // The examples `rows` selects (index_select) or the rows [start, start + len) (narrow) as a Batch.
  static Batch gather(const Split& split, const at::Tensor& rows);
  static Batch slice(const Split& split, int64_t start, int64_t len);
  const Split& split_named(const std::string& split) const;

  Split train_;
  std::optional<Split> validation_;  // empty when data.validation is ""
  std::optional<dataset::EpochOrder> order_;
  distributed::Shard shard_;
};

}  // namespace trainkit
