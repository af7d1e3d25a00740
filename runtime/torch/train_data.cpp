#include "torch/train_data.h"

#include <ATen/ops/from_blob.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "data/collate.h"
#include "torch/place.h"
#include "torch/tensor_state.h"

namespace trainkit {

const at::Tensor& Batch::at(const std::string& name) const {
  auto it = fields.find(name);
  if (it != fields.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& kv : fields) names.push_back(kv.first);
  throw ConfigError(str_cat("the batch has no field \"", name, "\" (it has ", name_list(names), ")",
                            did_you_mean(name, names)));
}

TrainData::TrainData(const DataConfig& config, uint64_t seed, const std::string& out_dir, data::Openers openers)
    : plugin_state_(config.format == "plugin"), own_validation_(config.validation_split == 0), prefetch_(config.prefetch) {
  const std::string at = place(config.pos);
  TK_CHECK(config.train_limit >= 0 && config.validation_limit >= 0, ConfigError, at,
           "data.train_limit and data.validation_limit must be >= 0 (0 = all)");
  TK_CHECK(config.prefetch >= 0, ConfigError, at, "data.prefetch must be >= 0 (0 = no background thread)");
  splits_ = data::open_splits(config, seed, openers);
  for (const data::Field& f : splits_.train->fields()) {
    const std::optional<at::ScalarType> t = dl::scalar_type(f.dtype);
    TK_CHECK(t.has_value(), ConfigError, at, "data.train: ", splits_.train->origin(), ": field \"", f.name,
             "\" is ", data::dtype_text(f.dtype), ", which LibTorch has no tensor type for");
    types_.push_back(*t);
  }
  std::error_code ec;
  if (!out_dir.empty() && std::filesystem::is_directory(out_dir, ec)) data::write_class_maps(*splits_.train, out_dir);
  order_.emplace(splits_.train->size(), config.shuffle, seed);
}

// The prefetch thread reads the training source: stop it before the sources go.
TrainData::~TrainData() { ahead_.reset(); }

int64_t TrainData::train_size() const { return splits_.train->size(); }

std::optional<int64_t> TrainData::split_size(const std::string& split) const {
  if (split == "train") return splits_.train->size();
  if (split == "validation" && splits_.validation) return splits_.validation->size();
  return std::nullopt;
}

const std::vector<data::Field>& TrainData::fields() const { return splits_.train->fields(); }

bool TrainData::has_field(const std::string& field) const {
  const auto& f = fields();
  return std::any_of(f.begin(), f.end(), [&](const data::Field& x) { return x.name == field; });
}

std::vector<int64_t> TrainData::example_shape(const std::string& field) const {
  return fields().at(data::field_index(*splits_.train, field)).shape;
}

int64_t TrainData::label_classes(const std::string& field) const {
  const size_t f = data::field_index(*splits_.train, field);
  const data::Field& info = fields()[f];
  if (!info.class_names.empty()) return static_cast<int64_t>(info.class_names.size());
  int64_t classes = data::largest_integer(*splits_.train, f) + 1;
  if (splits_.validation)
    classes = std::max(classes, data::largest_integer(*splits_.validation, data::field_index(*splits_.validation, field)) + 1);
  return classes;
}

Batch TrainData::to_batch(data::HostBatch host) const {
  Batch b;
  b.size = host.size;
  for (size_t i = 0; i < host.fields.size(); ++i) {
    data::HostField& f = host.fields[i];
    std::vector<int64_t> sizes{host.size};
    sizes.insert(sizes.end(), f.field.shape.begin(), f.field.shape.end());
    // The tensor borrows the collated buffer and keeps it alive: no copy between the reader and the step.
    std::shared_ptr<std::vector<uint8_t>> bytes = std::move(f.bytes);
    void* data = bytes->data();
    b.fields[f.field.name] = at::from_blob(data, sizes, [bytes](void*) mutable { bytes.reset(); },
                                           at::TensorOptions().dtype(types_[i]));
  }
  return b;
}

std::vector<int64_t> TrainData::next_rows(dataset::EpochOrder& order, int64_t batch_size) const {
  const dataset::EpochOrder::Batch batch = order.next_batch(batch_size * shard_.count);
  if (shard_.whole()) return std::vector<int64_t>(batch.indices, batch.indices + batch.size);
  // Distributed: Note [One global order, strided by rank] (distributed/shard.h).
  return distributed::rank_rows(batch.indices, batch.size, order.order().data(), order.size(), shard_);
}

void TrainData::set_shard(const distributed::Shard& shard) {
  ahead_.reset();  // it made batches of the old share
  shard_ = shard;
}

Batch TrainData::next_train_batch(int64_t batch_size) {
  if (prefetch_ == 0) {
    const std::vector<int64_t> rows = next_rows(*order_, batch_size);
    return to_batch(data::collate(*splits_.train, rows.data(), static_cast<int64_t>(rows.size())));
  }
  // Note [Prefetch keeps the consumer's position] (data/prefetch.h).
  if (!ahead_ || ahead_batch_size_ != batch_size) {
    ahead_.reset();
    auto producer_order = std::make_shared<dataset::EpochOrder>(order_->size(), order_->shuffle(), 0);
    producer_order->set_state(order_->state());
    const data::Source* train = splits_.train.get();
    ahead_ = std::make_unique<data::Prefetcher>(
        [this, producer_order, train, batch_size]() -> std::optional<data::HostBatch> {
          const std::vector<int64_t> rows = next_rows(*producer_order, batch_size);
          return data::collate(*train, rows.data(), static_cast<int64_t>(rows.size()));
        },
        static_cast<size_t>(prefetch_));
    ahead_batch_size_ = batch_size;
  }
  std::optional<data::HostBatch> host = ahead_->next();
  const std::vector<int64_t> rows = next_rows(*order_, batch_size);
  TK_INTERNAL_ASSERT(host && host->rows == rows);
  return to_batch(std::move(*host));
}

const data::Source& TrainData::split_named(const std::string& split) const {
  if (split == "train") return *splits_.train;
  if (split == "validation") {
    TK_CHECK(splits_.validation != nullptr, ConfigError,
             "cannot evaluate \"validation\": data.validation is empty and there is no data.validation_split");
    return *splits_.validation;
  }
  throw ConfigError(str_cat("unknown data split \"", split, "\" (expected \"train\" or \"validation\")",
                            did_you_mean(split, {"train", "validation"})));
}

void TrainData::for_each_batch(const std::string& split_name, int64_t batch_size,
                               const std::function<void(const Batch&)>& fn) const {
  const data::Source& split = split_named(split_name);
  const distributed::Range part = distributed::rank_range(split.size(), shard_);  // all of it when not distributed
  if (prefetch_ == 0) {
    for (int64_t start = part.begin; start < part.end; start += batch_size)
      fn(to_batch(data::collate_range(split, start, std::min(batch_size, part.end - start))));
    return;
  }
  int64_t next = part.begin;
  const int64_t end = part.end;
  data::Prefetcher ahead(
      [&split, &next, end, batch_size]() -> std::optional<data::HostBatch> {
        if (next >= end) return std::nullopt;
        const int64_t start = next;
        next += std::min(batch_size, end - start);
        return data::collate_range(split, start, next - start);
      },
      static_cast<size_t>(prefetch_));
  while (std::optional<data::HostBatch> host = ahead.next()) fn(to_batch(std::move(*host)));
}

void TrainData::save_order(state::Visitor& v) const {
  dataset::EpochOrder::State s = order_->state();
  v.value("epoch", s.epoch);
  v.value("position", s.position);
  if (!s.order.empty())
    dl::save_tensor(v, "order", at::from_blob(s.order.data(), {static_cast<int64_t>(s.order.size())}, at::kLong));
  v.bytes("order_generator", s.generator);
  if (!plugin_state_) return;
  v.scope("data", [&] {
    v.scope("train", [&] { splits_.train->save_state(v); });
    if (splits_.validation && own_validation_) v.scope("validation", [&] { splits_.validation->save_state(v); });
  });
}

std::optional<dataset::EpochOrder> TrainData::read_order(state::Visitor& v) const {
  dataset::EpochOrder::State s;
  if (!v.value("epoch", s.epoch)) return std::nullopt;
  TK_CHECK(v.value("position", s.position), ResumeError, "updater: the snapshot has an epoch but no position");
  const at::Tensor order = dl::load_any_tensor(v, "order", "updater order");
  if (order.defined()) {
    TK_CHECK(order.scalar_type() == at::kLong && order.dim() == 1, ResumeError,
             "updater order: expected an int64 vector, the snapshot has ", order.scalar_type(), " ", order.sizes());
    s.order.assign(order.data_ptr<int64_t>(), order.data_ptr<int64_t>() + order.numel());
  }
  TK_CHECK(v.bytes("order_generator", s.generator), ResumeError,
           "updater: the snapshot has an epoch order but no order_generator");
  dataset::EpochOrder checked(order_->size(), order_->shuffle(), 0);
  checked.set_state(s);  // ResumeError when it does not fit this data
  if (plugin_state_) {
    // The one change a read makes: a plugin checks its saved state only by loading it. A refusal still
    // refuses the whole resume, which then ends the run.
    v.scope("data", [&] {
      v.scope("train", [&] { splits_.train->load_state(v); });
      if (splits_.validation && own_validation_) v.scope("validation", [&] { splits_.validation->load_state(v); });
    });
  }
  return checked;
}

void TrainData::apply_order(std::optional<dataset::EpochOrder> order) {
  if (!order) return;
  ahead_.reset();  // it ran ahead from the old position
  order_ = std::move(order);
}

std::string TrainData::describe() const {
  const int64_t train = splits_.train->size();
  return str_cat(train, " train", splits_.validation ? str_cat(" / ", splits_.validation->size(), " validation examples")
                                                     : std::string(" examples (no validation split)"));
}

}  // namespace trainkit
