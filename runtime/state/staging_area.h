// trainkit state: memory that a captured snapshot is copied into, kept and reused across snapshots so
// a capture writes into pages that are already there (Note [Why staging memory is reused]).
//
//   state::StagingArea area;
//   uint8_t* p = area.allocate(n);   // 64-byte aligned; a new mapping only when the ones held are full
//   std::memcpy(p, tensor_bytes, n);
//   area.recycle(area.used());       // forget the blocks, keep the memory warm for the next capture
//
// Note [Why staging memory is reused]
// A copy into fresh memory pays a page fault for every 4 KiB page it touches; on a virtual machine that
// costs far more than the copy itself (bench/state_archive_bench: a 70 MB copy into fresh buffers took
// 60x as long as into reused ones). So the blocks of one capture come from a few large private
// anonymous mappings that live on: asked for transparent huge pages (one fault per 2 MiB where the
// kernel has them), merged into one mapping that fits when a capture needed several, and made present
// and writable by recycle(), which runs on the thread that gives the snapshot back (a writer), not on
// the training thread that captures next.
// Why private memory, not shared: a forked writer child keeps a copy-on-write view, so whatever the
// parent does with the area later can never change the bytes the child writes. The price is that a
// fork write-protects the parent's pages; recycle() takes those faults too (MADV_POPULATE_WRITE), and a
// huge page whose child has exited is made writable again in one fault, without a copy.
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
  // Whether a fork() from now on gives the child this memory (MADV_DOFORK / MADV_DONTFORK).
  void set_inherited_by_fork(bool inherited);

  size_t used() const { return used_; }        // bytes handed out since the last recycle
  size_t capacity() const;                     // bytes mapped

 private:
  struct Chunk {
    uint8_t* base = nullptr;
    size_t size = 0;
  };
  void add_chunk(size_t at_least);
  void apply_fork_advice(const Chunk& chunk) const;

  std::vector<Chunk> chunks_;
  size_t current_ = 0;  // the chunk allocate() takes from
  size_t offset_ = 0;   // the first free byte in chunks_[current_]
  size_t used_ = 0;
  bool inherited_by_fork_ = true;
};

}  // namespace trainkit::state
