#include "state/staging_pool.h"

#include <algorithm>

namespace trainkit::state {

StagingPool::Lease::Lease(std::shared_ptr<StagingPool> pool, std::unique_ptr<StagingArea> area)
    : pool_(std::move(pool)), area_(std::move(area)) {}

StagingPool::Lease& StagingPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::move(other.pool_);
    area_ = std::move(other.area_);
  }
  return *this;
}

StagingPool::Lease::~Lease() { give_back(); }

void StagingPool::Lease::give_back() noexcept {
  if (area_) pool_->take_back(std::move(area_));
  pool_.reset();
}

std::shared_ptr<StagingPool> StagingPool::create() { return std::shared_ptr<StagingPool>(new StagingPool()); }

StagingPool::Lease StagingPool::lease() {
  std::unique_ptr<StagingArea> area;
  size_t expected = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    expected = last_used_;
    // The first idle area big enough for the last capture, else the biggest one.
    auto fits = std::find_if(idle_.begin(), idle_.end(), [&](const auto& a) { return a->capacity() >= expected; });
    if (fits == idle_.end())
      fits = std::max_element(idle_.begin(), idle_.end(),
                              [](const auto& a, const auto& b) { return a->capacity() < b->capacity(); });
    if (fits != idle_.end()) {
      area = std::move(*fits);
      idle_.erase(fits);
    }
  }
  if (!area) {
    area = std::make_unique<StagingArea>();
    if (expected > 0) area->recycle(expected);  // one mapping of the known size instead of growing into it
  }
  std::lock_guard<std::mutex> lock(mutex_);
  leased_.insert(area.get());
  return Lease(shared_from_this(), std::move(area));
}

void StagingPool::take_back(std::unique_ptr<StagingArea> area) noexcept {
  size_t expected = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leased_.erase(area.get());
    if (closed_) return;  // unmapped by ~StagingArea, outside the lock
    last_used_ = area->used();
    expected = last_used_;
  }
  try {
    area->recycle(expected);  // the faults of making it warm are this thread's, not the next capture's
  } catch (...) {
    return;  // no memory to keep it warm: drop it; the next capture maps a new one
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!closed_) idle_.push_back(std::move(area));
}

void StagingPool::close() {
  std::vector<std::unique_ptr<StagingArea>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
  }
}

size_t StagingPool::idle_areas() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

size_t StagingPool::leased_areas() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leased_.size();
}

}  // namespace trainkit::state
