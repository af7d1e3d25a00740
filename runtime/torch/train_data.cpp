#include "torch/train_data.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "torch/dataset/idx.h"
#include "torch/place.h"
#include "torch/tensor_state.h"

namespace trainkit {
namespace {

at::Tensor to_float(const at::Tensor& images) { return images.to(at::kFloat).div_(255); }

}  // namespace

const at::Tensor& Batch::at(const std::string& name) const {
  auto it = fields.find(name);
  if (it != fields.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& kv : fields) names.push_back(kv.first);
  throw ConfigError(str_cat("the batch has no field \"", name, "\" (it has ", name_list(names), ")",
                            did_you_mean(name, names)));
}

TrainData::Split TrainData::load_split(const DataConfig& data, const std::string& stem, int64_t limit) {
  dataset::IdxSplit raw = dataset::load_idx_split(data.root, stem, limit);
  Split split;
  split.images = at::from_blob(raw.images.data(), {raw.count, 1, raw.rows, raw.cols}, at::kByte).clone();
  split.labels = at::from_blob(raw.labels.data(), {raw.count}, at::kByte).to(at::kLong);
  return split;
}

TrainData::TrainData(const DataConfig& data, uint64_t seed) {
  const std::string at = place(data.pos);
  TK_CHECK(data.format == "idx", ConfigError, at, "data.format \"", data.format, "\" is not supported (only \"idx\")");
  TK_CHECK(data.train_limit >= 0 && data.validation_limit >= 0, ConfigError, at,
           "data.train_limit and data.validation_limit must be >= 0 (0 = all)");
  train_ = load_split(data, data.train, data.train_limit);
  if (!data.validation.empty()) {
    validation_ = load_split(data, data.validation, data.validation_limit);
    TK_CHECK(validation_->images.sizes().slice(1).equals(train_.images.sizes().slice(1)), ConfigError, at,
             "validation images are ", validation_->images.sizes().slice(2), " but training images are ",
             train_.images.sizes().slice(2));
  }
  order_.emplace(train_.size(), data.shuffle, seed);
}

int64_t TrainData::train_size() const { return train_.size(); }

std::optional<int64_t> TrainData::split_size(const std::string& split) const {
  if (split == "train") return train_.size();
  if (split == "validation" && validation_) return validation_->size();
  return std::nullopt;
}

std::vector<int64_t> TrainData::example_shape(const std::string& field) const {
  if (field == "image") return train_.images.sizes().slice(1).vec();
  if (field == "label") return {};
  throw ConfigError(str_cat("the data has no field \"", field, "\" (it has image, label)"));
}

int64_t TrainData::label_classes() const {
  int64_t classes = train_.labels.max().item<int64_t>() + 1;
  if (validation_) classes = std::max(classes, validation_->labels.max().item<int64_t>() + 1);
  return classes;
}

Batch TrainData::gather(const Split& split, const at::Tensor& rows) {
  Batch b;
  b.size = rows.size(0);
  b.fields["image"] = to_float(split.images.index_select(0, rows));
  b.fields["label"] = split.labels.index_select(0, rows);
  return b;
}

Batch TrainData::slice(const Split& split, int64_t start, int64_t len) {
  Batch b;
  b.size = len;
  b.fields["image"] = to_float(split.images.narrow(0, start, len));
  b.fields["label"] = split.labels.narrow(0, start, len);
  return b;
}

Batch TrainData::next_train_batch(int64_t batch_size) {
  const dataset::EpochOrder::Batch batch = order_->next_batch(batch_size * shard_.count);
  if (!shard_.whole()) {  // distributed: Note [One global order, strided by rank]
    std::vector<int64_t> mine =
        distributed::rank_rows(batch.indices, batch.size, order_->order().data(), order_->size(), shard_);
    return gather(train_, at::from_blob(mine.data(), {static_cast<int64_t>(mine.size())}, at::kLong));
  }
  // from_blob borrows the order's indices; index_select copies the examples out before they can change.
  const at::Tensor rows = at::from_blob(const_cast<int64_t*>(batch.indices), {batch.size}, at::kLong);
  return gather(train_, rows);
}

const TrainData::Split& TrainData::split_named(const std::string& split) const {
  if (split == "train") return train_;
  if (split == "validation") {
    TK_CHECK(validation_.has_value(), ConfigError, "cannot evaluate \"validation\": data.validation is empty");
    return *validation_;
  }
  throw ConfigError(str_cat("unknown data split \"", split, "\" (expected \"train\" or \"validation\")",
                            did_you_mean(split, {"train", "validation"})));
}

void TrainData::for_each_batch(const std::string& split_name, int64_t batch_size,
                               const std::function<void(const Batch&)>& fn) const {
  const Split& split = split_named(split_name);
  const distributed::Range part = distributed::rank_range(split.size(), shard_);  // all of it when not distributed
  for (int64_t start = part.begin; start < part.end; start += batch_size)
    fn(slice(split, start, std::min(batch_size, part.end - start)));
}

void TrainData::save_order(state::Visitor& v) const {
  dataset::EpochOrder::State s = order_->state();
  v.value("epoch", s.epoch);
  v.value("position", s.position);
  if (!s.order.empty())
    dl::save_tensor(v, "order", at::from_blob(s.order.data(), {static_cast<int64_t>(s.order.size())}, at::kLong));
  v.bytes("order_generator", s.generator);
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
  return checked;
}

void TrainData::apply_order(std::optional<dataset::EpochOrder> order) {
  if (order) order_ = std::move(order);
}

std::string TrainData::describe() const {
  return str_cat(train_.size(), " train", validation_ ? str_cat(" / ", validation_->size(), " validation examples")
                                                      : std::string(" examples (no validation split)"));
}
}  // namespace trainkit
