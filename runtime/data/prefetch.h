// trainkit data: batches prepared on a background thread, handed out in the order they were made.
//
//   data::Prefetcher ahead([&]() -> std::optional<data::HostBatch> { return make_next(); }, /*depth=*/2);
//   while (auto b = ahead.next()) use(*b);     // blocks only when the thread has not caught up
//
// Note [Prefetch keeps the consumer's position]
// The producer runs ahead of the step by up to `depth` batches, so its own position says nothing about
// what training has seen. The saved epoch order is always the consumer's: TrainData advances its own
// EpochOrder as it takes each batch, and gives the producer a copy of that order to run ahead with. A
// resume, or a change of batch size, drops the producer and its queue and starts a new one from the
// consumer's order, so the batches after a resume are the ones the saved run would have taken next.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "data/collate.h"

namespace trainkit::data {

// Use to run a sequence of batch computations ahead of their consumer, at most `depth` at a time.
class Prefetcher {
 public:
  // `produce` runs on the prefetch thread, one call after another; nullopt ends the sequence. An
  // exception it throws ends the sequence too, and is rethrown by the next() that reaches it.
  using Produce = std::function<std::optional<HostBatch>()>;
  Prefetcher(Produce produce, size_t depth);
  // Stops the thread (after the batch it is making) and drops what it made.
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next batch in order; nullopt after the last.
  std::optional<HostBatch> next();

 private:
  void run();

  Produce produce_;
  size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<HostBatch> ready_;
  bool done_ = false;      // the producer ended (nullopt or an exception)
  bool stopping_ = false;  // the destructor asks the producer to end
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace trainkit::data
