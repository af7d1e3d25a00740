// trainkit state: the staging areas of one run, handed out to captures and taken back when a snapshot is
// released, so the next capture copies into warm memory (Note [Why staging memory is reused]).
//
//   auto pool = state::StagingPool::create();
//   state::StagingPool::Lease lease = pool->lease();   // main thread, at capture
//   uint8_t* p = lease.area().allocate(n);
//   ...                                                // a writer thread or process writes the bytes out
//   lease = {};                                         // any thread: the area goes back, made warm again
//   pool->close();                                      // the run ends: idle areas are unmapped
//
// An area goes back only when its lease is destroyed: a plugin whose writer process maps the area
// (Note [Staging memory is a shared file]) releases the snapshot after the writer answered or died.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "state/staging_area.h"

namespace trainkit::state {

// Use once per run, shared by every capture of it; thread-safe.
class StagingPool : public std::enable_shared_from_this<StagingPool> {
 public:
  // Use to hold one area while a capture and its write need it; gives it back when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    StagingArea& area() const { return *area_; }
    explicit operator bool() const { return area_ != nullptr; }

   private:
    friend class StagingPool;
    Lease(std::shared_ptr<StagingPool> pool, std::unique_ptr<StagingArea> area);
    void give_back() noexcept;
    std::shared_ptr<StagingPool> pool_;
    std::unique_ptr<StagingArea> area_;
  };

  static std::shared_ptr<StagingPool> create();

  // The idle area that fits the last capture best, or a new one. [main thread]
  Lease lease();
  // Unmaps the idle areas; areas given back later are unmapped too. [any thread]
  void close();

  size_t idle_areas() const;
  size_t leased_areas() const;

 private:
  StagingPool() = default;
  void take_back(std::unique_ptr<StagingArea> area) noexcept;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<StagingArea>> idle_;
  std::unordered_set<StagingArea*> leased_;
  size_t last_used_ = 0;  // bytes the most recently returned capture used: the size to keep warm
  bool closed_ = false;
};

}  // namespace trainkit::state
