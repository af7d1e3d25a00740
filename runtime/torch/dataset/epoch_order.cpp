#include "torch/dataset/epoch_order.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/randperm.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace trainkit::dataset {

struct EpochOrder::Generator {
  at::Generator gen;
};

EpochOrder::EpochOrder(int64_t size, bool shuffle, uint64_t seed)
    : size_(size), shuffle_(shuffle), generator_(new Generator{at::detail::createCPUGenerator(seed)}) {
  TK_CHECK(size > 0, ConfigError, "no training examples to draw batches from");
}

EpochOrder::~EpochOrder() = default;
EpochOrder::EpochOrder(EpochOrder&&) noexcept = default;
EpochOrder& EpochOrder::operator=(EpochOrder&&) noexcept = default;

void EpochOrder::begin_epoch() {
  if (shuffle_) {
    // randperm on CPU is a serial Fisher-Yates over this generator only: the same generator state gives the
    // same permutation whatever the thread count.
    at::Tensor perm = at::randperm(size_, generator_->gen, at::kLong);
    order_.assign(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + size_);
  } else {
    order_.resize(static_cast<size_t>(size_));
    for (int64_t i = 0; i < size_; ++i) order_[static_cast<size_t>(i)] = i;
  }
  position_ = 0;
  ++epoch_;
}

EpochOrder::Batch EpochOrder::next_batch(int64_t batch_size) {
  TK_INTERNAL_ASSERT(batch_size > 0);
  if (order_.empty() || position_ >= size_) begin_epoch();
  Batch batch;
  batch.indices = order_.data() + position_;
  batch.size = std::min(batch_size, size_ - position_);
  position_ += batch.size;
  return batch;
}

EpochOrder::State EpochOrder::state() const {
  State s;
  s.epoch = epoch_;
  s.position = position_;
  s.order = order_;
  at::Tensor bytes;
  {
    std::lock_guard<std::mutex> lock(generator_->gen.mutex());
    bytes = generator_->gen.get_state();
  }
  s.generator.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return s;
}

void EpochOrder::set_state(const State& s) {
  TK_CHECK(s.epoch >= 0, ResumeError, "epoch order: negative epoch ", s.epoch);
  if (s.order.empty()) {
    TK_CHECK(s.epoch == 0 && s.position == 0, ResumeError, "epoch order: epoch ", s.epoch,
             " began but no order was saved");
  } else {
    TK_CHECK(static_cast<int64_t>(s.order.size()) == size_, ResumeError, "epoch order: saved for ",
             s.order.size(), " examples, but the training data has ", size_);
    TK_CHECK(s.position >= 0 && s.position <= size_, ResumeError, "epoch order: position ", s.position,
             " outside the epoch of ", size_, " examples");
    std::vector<bool> seen(static_cast<size_t>(size_), false);
    for (int64_t i : s.order) {
      TK_CHECK(i >= 0 && i < size_ && !seen[static_cast<size_t>(i)], ResumeError,
               "epoch order: the saved order is not a permutation of 0..", size_ - 1);
      seen[static_cast<size_t>(i)] = true;
    }
  }
  at::Tensor bytes = at::empty({static_cast<int64_t>(s.generator.size())}, at::kByte);
  if (!s.generator.empty()) std::memcpy(bytes.data_ptr<uint8_t>(), s.generator.data(), s.generator.size());
  {
    // set_state checks the size and throws c10::Error before touching the generator.
    std::lock_guard<std::mutex> lock(generator_->gen.mutex());
    try {
      generator_->gen.set_state(bytes);
    } catch (const c10::Error& e) {
      throw ResumeError(str_cat("epoch order: bad generator state (", e.what_without_backtrace(), ")"));
    }
  }
  epoch_ = s.epoch;
  position_ = s.position;
  order_ = s.order;
}

}  // namespace trainkit::dataset
