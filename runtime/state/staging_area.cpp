#include "state/staging_area.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <new>

namespace trainkit::state {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kAlign = 64;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Makes every page of [base, base + size) present and writable now, breaking copy-on-write left by a fork.
void make_present(uint8_t* base, size_t size) {
#ifdef MADV_POPULATE_WRITE
  if (::madvise(base, size, MADV_POPULATE_WRITE) == 0) return;
#endif
  // Kernels before 5.14: touch every page. The contents are garbage between captures anyway.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (size_t at = 0; at < size; at += page) *static_cast<volatile uint8_t*>(base + at) = 0;
}

}  // namespace

StagingArea::~StagingArea() {
  for (const Chunk& c : chunks_) ::munmap(c.base, c.size);
}

size_t StagingArea::capacity() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

void StagingArea::add_chunk(size_t at_least) {
  Chunk c;
  c.size = round_up(std::max(at_least, kHugePage), kHugePage);
  void* p = ::mmap(nullptr, c.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  c.base = static_cast<uint8_t*>(p);
  ::madvise(c.base, c.size, MADV_HUGEPAGE);  // advice only: without THP the area still works, in 4 KiB pages
  apply_fork_advice(c);
  chunks_.push_back(c);
}

void StagingArea::apply_fork_advice(const Chunk& chunk) const {
  ::madvise(chunk.base, chunk.size, inherited_by_fork_ ? MADV_DOFORK : MADV_DONTFORK);
}

uint8_t* StagingArea::allocate(size_t n) {
  n = round_up(std::max<size_t>(n, 1), kAlign);
  while (current_ < chunks_.size() && chunks_[current_].size - offset_ < n) {
    ++current_;
    offset_ = 0;
  }
  if (current_ == chunks_.size()) {
    // Grow geometrically while the first capture finds out how big the state is; recycle() merges.
    add_chunk(std::max(n, capacity()));
    offset_ = 0;
  }
  uint8_t* p = chunks_[current_].base + offset_;
  offset_ += n;
  used_ += n;
  return p;
}

void StagingArea::recycle(size_t expected) {
  // Room for a little growth (a longer log string, one more key) without a second mapping next time.
  const size_t wanted = round_up(expected + expected / 16, kHugePage);
  if (chunks_.size() != 1 || chunks_[0].size < wanted) {
    for (const Chunk& c : chunks_) ::munmap(c.base, c.size);
    chunks_.clear();
    if (expected > 0) add_chunk(wanted);
  }
  for (const Chunk& c : chunks_) make_present(c.base, c.size);
  current_ = 0;
  offset_ = 0;
  used_ = 0;
}

void StagingArea::set_inherited_by_fork(bool inherited) {
  if (inherited == inherited_by_fork_) return;
  inherited_by_fork_ = inherited;
  for (const Chunk& c : chunks_) apply_fork_advice(c);
}

}  // namespace trainkit::state
