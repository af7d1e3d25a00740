// trainkit state: memory that a captured snapshot is copied into, kept and reused across snapshots so
// a capture writes into pages that are already there (Note [Why staging memory is reused]), and shared
// with a writer process through a file descriptor (Note [Staging memory is a shared file]).
//
//   state::StagingArea area;
//   uint8_t* p = area.allocate(n);   // 64-byte aligned; a new mapping only when the ones held are full
//   std::memcpy(p, tensor_bytes, n);
//   uint64_t at = area.offset_of(p); // where a process that maps area.fd() finds these bytes
//   area.recycle(area.used());       // forget the blocks, keep the memory warm for the next capture
//
// Note [Why staging memory is reused]
// A copy into fresh memory pays a page fault for every 4 KiB page it touches; on a virtual machine that
// costs far more than the copy itself (bench/state_archive_bench: a 70 MB copy into fresh buffers took
// 60x as long as into reused ones). So the blocks of one capture come from a few large mappings that live
// on, merged into one mapping that fits when a capture needed several, and made present and writable by
// recycle(), which runs on the thread that gives the snapshot back (a writer), not on the training thread
// that captures next.
//
// Note [Staging memory is a shared file]
// The mappings are MAP_SHARED views of one memfd per area, at increasing offsets, so a writer process
// started with posix_spawn (runtime/snapshot_writer) maps the same pages read-only from the descriptor
// and writes the capture without a copy, and the trainer never fork()s (a fork copies the page tables of
// the whole trainer on the training thread). The price: the parent must not reuse an area while another
// process still reads it (StagingPool gives it back only after the writer answered), and shared memory
// gets no transparent huge pages here (shmem_enabled is "never" by default), so a capture touches 4 KiB
// pages; they are present, so that costs TLB misses, not faults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trainkit::state {

// Use for the bytes of one captured snapshot. Not thread-safe: one thread at a time.
class StagingArea {
 public:
  StagingArea() = default;
  ~StagingArea();
  StagingArea(const StagingArea&) = delete;
  StagingArea& operator=(const StagingArea&) = delete;

  // n bytes, 64-byte aligned, valid until recycle() or destruction. Throws std::bad_alloc.
  uint8_t* allocate(size_t n);
  // Forgets every block and keeps the memory for the next capture: one mapping of at least `expected`
  // bytes (the caller's guess of the next capture's size), with its pages present and writable.
  void recycle(size_t expected);

  // The memfd behind every mapping (close-on-exec; -1 before the first allocation), and its size.
  int fd() const { return fd_; }
  uint64_t file_size() const { return file_size_; }
  // Where the byte at p (inside a block of this area) lies in fd(). Throws std::out_of_range otherwise.
  uint64_t offset_of(const void* p) const;

  size_t used() const { return used_; }        // bytes handed out since the last recycle
  size_t capacity() const;                     // bytes mapped

 private:
  struct Chunk {
    uint8_t* base = nullptr;
    size_t size = 0;
    uint64_t file_offset = 0;
  };
  void add_chunk(size_t at_least);
  void unmap_all() noexcept;

  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::vector<Chunk> chunks_;
  size_t current_ = 0;  // the chunk allocate() takes from
  size_t offset_ = 0;   // the first free byte in chunks_[current_]
  size_t used_ = 0;
};

}  // namespace trainkit::state
