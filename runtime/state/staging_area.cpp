#include "state/staging_area.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <new>
#include <stdexcept>

namespace trainkit::state {
namespace {

constexpr size_t kGrain = size_t{2} << 20;  // mappings grow in 2 MiB steps
constexpr size_t kAlign = 64;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Makes every page of [base, base + size) present and writable now, so the next capture does not fault.
void make_present(uint8_t* base, size_t size) {
#ifdef MADV_POPULATE_WRITE
  if (::madvise(base, size, MADV_POPULATE_WRITE) == 0) return;
#endif
  // Kernels before 5.14: touch every page. The contents are garbage between captures anyway.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (size_t at = 0; at < size; at += page) *static_cast<volatile uint8_t*>(base + at) = 0;
}

}  // namespace

StagingArea::~StagingArea() { unmap_all(); }

void StagingArea::unmap_all() noexcept {
  for (const Chunk& c : chunks_) ::munmap(c.base, c.size);
  chunks_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  file_size_ = 0;
}

size_t StagingArea::capacity() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

uint64_t StagingArea::offset_of(const void* p) const {
  const auto* byte = static_cast<const uint8_t*>(p);
  for (const Chunk& c : chunks_)
    if (byte >= c.base && byte < c.base + c.size) return c.file_offset + static_cast<uint64_t>(byte - c.base);
  throw std::out_of_range("the pointer is not in this staging area");
}

// Note [Staging memory is a shared file]: each chunk maps the next stretch of the one memfd.
void StagingArea::add_chunk(size_t at_least) {
  if (fd_ < 0) {
    fd_ = ::memfd_create("trainkit-staging", MFD_CLOEXEC);
    if (fd_ < 0) throw std::bad_alloc();
  }
  Chunk c;
  c.size = round_up(std::max(at_least, kGrain), kGrain);
  c.file_offset = file_size_;
  if (::ftruncate(fd_, static_cast<off_t>(file_size_ + c.size)) != 0) throw std::bad_alloc();
  void* p = ::mmap(nullptr, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(c.file_offset));
  if (p == MAP_FAILED) throw std::bad_alloc();
  c.base = static_cast<uint8_t*>(p);
  file_size_ += c.size;
  chunks_.push_back(c);
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
  const size_t wanted = round_up(expected + expected / 16, kGrain);
  if (chunks_.size() != 1 || chunks_[0].size < wanted) {
    unmap_all();  // then one mapping of a new memfd that fits
    if (expected > 0) add_chunk(wanted);
  }
  for (const Chunk& c : chunks_) make_present(c.base, c.size);
  current_ = 0;
  offset_ = 0;
  used_ = 0;
}

}  // namespace trainkit::state
