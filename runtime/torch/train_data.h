// trainkit torch: the examples a session trains and evaluates on, as batches of named tensors.
//
//   TrainData data(manifest.data, seed, manifest.trainer.out);
//   data.fields();                                  // name, dtype, per-example shape, class names
//   Batch b = data.next_train_batch(64);            // {"image": float [64,1,28,28], "label": int64 [64]}
//   data.for_each_batch("validation", 1000, [&](const Batch& b) { ... });
//   data.save_order(saver);  auto staged = data.read_order(loader);  data.apply_order(std::move(staged));
//
// The formats themselves are read in runtime/data/ (torch-free); this class turns their collated buffers
// into tensors without a copy, runs the prefetch thread and keeps the seeded epoch order.
// Note [Epoch order is explicit state] (dataset/epoch_order.h): which examples the next batch holds is
// decided by the saved order alone, so a resumed run sees the same batches; Note [Prefetch keeps the
// consumer's position] (data/prefetch.h) says why prefetching does not change that.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/open.h"
#include "data/prefetch.h"
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
  // Reads the splits the manifest names. ConfigError naming the file (and field) for a missing or bad
  // one, or a field of a dtype LibTorch has no type for. `out_dir`, when it names an existing folder,
  // receives classes_<field>.json for each field with class names (csv string columns, image_folder).
  // `openers.plugin` opens format "plugin"; the torch-file reader is filled in here.
  TrainData(const DataConfig& config, uint64_t seed, const std::string& out_dir = "", data::Openers openers = {});
  ~TrainData();

  int64_t train_size() const;
  // Examples per split ("train", "validation"); nullopt for a split the manifest has not.
  std::optional<int64_t> split_size(const std::string& split) const;
  // Every field: name, dtype, per-example shape, class names. Validation has the same ones.
  const std::vector<data::Field>& fields() const;
  bool has_field(const std::string& field) const;
  // The shape of one example of `field` (e.g. {1, 28, 28} for "image"). ConfigError for an unknown field.
  std::vector<int64_t> example_shape(const std::string& field) const;
  // The classes an integer `field` holds: the number of class names where the source names them, else
  // 1 + its largest value over every split. ConfigError when the field is missing or not integer.
  int64_t label_classes(const std::string& field = "label") const;

  // This process's share in a data-parallel run (Note [One global order, strided by rank], distributed/shard.h):
  // a training batch is its part of batch_size * shard.count examples of the global order, and
  // for_each_batch visits its contiguous part of the split. The saved order stays the global one.
  void set_shard(const distributed::Shard& shard);

  // The next training batch in the epoch order (a new permutation when an epoch begins).
  Batch next_train_batch(int64_t batch_size);
  // Every example of `split` (of this process's share), in order, in batches of at most batch_size.
  // ConfigError for an unknown split.
  void for_each_batch(const std::string& split, int64_t batch_size, const std::function<void(const Batch&)>& fn) const;

  // The epoch order as saved state (`updater/epoch`, `position`, `order`, `order_generator`), and a
  // dataset plugin's own state under `updater/data/train/` and `updater/data/validation/` (header and
  // state, like an extension's). read_order checks everything and changes nothing but the plugin's state,
  // which only the plugin can check (ResumeError when anything does not fit); apply_order installs the order.
  void save_order(state::Visitor& v) const;
  std::optional<dataset::EpochOrder> read_order(state::Visitor& v) const;
  void apply_order(std::optional<dataset::EpochOrder> order);

  // "60000 train / 10000 validation examples"
  std::string describe() const;

 private:
  const data::Source& split_named(const std::string& split) const;
  Batch to_batch(data::HostBatch host) const;
  // This process's rows of the next global training batch that `order` hands out.
  std::vector<int64_t> next_rows(dataset::EpochOrder& order, int64_t batch_size) const;

  data::Splits splits_;
  bool plugin_state_;                  // a dataset plugin: its splits' state is saved with the order
  bool own_validation_;                // validation is a source of its own, not a part of train
  std::vector<at::ScalarType> types_;  // per field
  int64_t prefetch_;
  std::optional<dataset::EpochOrder> order_;  // the consumer's: what training has taken
  // The producer of training batches and the batch size it makes; dropped when either no longer fits.
  std::unique_ptr<data::Prefetcher> ahead_;
  int64_t ahead_batch_size_ = 0;
  distributed::Shard shard_;
};

}  // namespace trainkit
