#include "data/prefetch.h"

#include "core/error.h"

namespace trainkit::data {

Prefetcher::Prefetcher(Produce produce, size_t depth) : produce_(std::move(produce)), depth_(depth) {
  TK_INTERNAL_ASSERT(depth_ > 0);
  thread_ = std::thread([this] { run(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Prefetcher::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < depth_; });
      if (stopping_) return;
    }
    std::optional<HostBatch> batch;
    std::exception_ptr error;
    try {
      batch = produce_();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (batch) {
        ready_.push_back(std::move(*batch));
      } else {
        done_ = true;
        error_ = error;
      }
    }
    changed_.notify_all();
    if (!batch) return;
  }
}

std::optional<HostBatch> Prefetcher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || done_; });
  if (!ready_.empty()) {
    HostBatch b = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return b;
  }
  if (error_) std::rethrow_exception(error_);
  return std::nullopt;
}

}  // namespace trainkit::data
