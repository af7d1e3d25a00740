// trainkit torch dataset: the order in which each epoch visits the training examples.
// The interface is torch-free; the permutation comes from a dedicated LibTorch CPU generator.
//
//   EpochOrder order(/*size=*/60000, /*shuffle=*/true, /*seed=*/0);
//   EpochOrder::Batch b = order.next_batch(64);   // epoch 1 starts here: a permutation is drawn
//   for (int64_t i = 0; i < b.size; ++i) use(b.indices[i]);
//
// Note [Epoch order is explicit state]
// Everything that decides which examples the next batch holds lives in State: the epoch's permutation,
// the position inside it, the number of epochs begun and the generator's bytes. Nothing else draws from
// that generator, so restoring a State continues with exactly the batches the saved run would have seen.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace trainkit::dataset {

// Use to hand out example indices batch by batch, epoch after epoch, reproducibly from a seed.
class EpochOrder {
 public:
  struct Batch {
    const int64_t* indices = nullptr;  // into order(); valid until the next call of next_batch/set_state
    int64_t size = 0;                  // batch_size, or fewer for the last batch of an epoch
  };
  struct State {
    int64_t epoch = 0;                 // epochs begun (0 before the first batch)
    int64_t position = 0;              // examples of the current epoch already handed out
    std::vector<int64_t> order;        // the current epoch's permutation (empty before the first batch)
    std::vector<uint8_t> generator;    // the generator's state bytes (LibTorch's CPU generator format)
  };

  // shuffle = false visits 0, 1, ..., size - 1 every epoch and never touches the generator.
  EpochOrder(int64_t size, bool shuffle, uint64_t seed);
  ~EpochOrder();
  EpochOrder(EpochOrder&&) noexcept;
  EpochOrder& operator=(EpochOrder&&) noexcept;

  // The next batch; when the current epoch is used up (or none began), first begins the next epoch by
  // drawing its permutation. The last batch of an epoch is partial rather than dropped.
  Batch next_batch(int64_t batch_size);

  int64_t size() const { return size_; }
  bool shuffle() const { return shuffle_; }
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }
  const std::vector<int64_t>& order() const { return order_; }

  State state() const;
  // Throws ResumeError when `state` does not fit this order (another data size, a broken permutation or
  // generator bytes of the wrong size), leaving this order unchanged.
  void set_state(const State& state);

 private:
  void begin_epoch();

  struct Generator;  // wraps at::Generator so this header stays torch-free

  int64_t size_;
  bool shuffle_;
  std::unique_ptr<Generator> generator_;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
};

}  // namespace trainkit::dataset
