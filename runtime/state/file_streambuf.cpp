#include "state/file_streambuf.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "core/error.h"

namespace trainkit::state {
namespace {

// Linux moves at most 0x7ffff000 bytes per read/write call.
constexpr size_t kMaxIo = size_t{1} << 30;

}  // namespace

Xxh3State make_xxh3_state() {
  Xxh3State s(XXH3_createState());
  if (!s) throw std::bad_alloc();
  XXH3_64bits_reset(s.get());
  return s;
}

void write_all(int fd, const void* data, size_t n, const std::string& what) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t k = ::write(fd, p, std::min(n, kMaxIo));
    if (k < 0 && errno == EINTR) continue;
    TK_CHECK(k > 0, TrainingError, "cannot write snapshot '", what, "': ", k < 0 ? std::strerror(errno) : "no progress");
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& what) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t k = ::pread(fd, p, std::min(n, kMaxIo), static_cast<off_t>(offset));
    if (k < 0 && errno == EINTR) continue;
    TK_CHECK(k > 0, ResumeError, what, ": ", k < 0 ? std::strerror(errno) : "file shrank while reading");
    p += k;
    n -= static_cast<size_t>(k);
    offset += static_cast<uint64_t>(k);
  }
}

FileWriteBuf::FileWriteBuf(int fd, std::string what)
    : fd_(fd), what_(std::move(what)), buffer_(new char[kBufferBytes]), hash_(make_xxh3_state()) {
  setp(buffer_.get(), buffer_.get() + kBufferBytes);
}

void FileWriteBuf::flush() {
  if (disabled_) return;
  size_t n = static_cast<size_t>(pptr() - pbase());
  setp(buffer_.get(), buffer_.get() + kBufferBytes);  // reset first: a failed flush must not be retried
  if (n > 0) write_all(fd_, buffer_.get(), n, what_);
  flushed_ += n;
}

FileWriteBuf::int_type FileWriteBuf::overflow(int_type c) {
  TK_INTERNAL_ASSERT(!disabled_);
  flush();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    hash(pptr(), 1);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FileWriteBuf::xsputn(const char* s, std::streamsize count) {
  TK_INTERNAL_ASSERT(!disabled_);
  auto n = static_cast<size_t>(count);
  if (n >= kDirectBytes) {
    flush();
    for (size_t done = 0; done < n;) {
      size_t k = std::min(kHashSliceBytes, n - done);
      hash(s + done, k);
      write_all(fd_, s + done, k, what_);
      done += k;
    }
    flushed_ += n;
    return count;
  }
  while (n > 0) {
    size_t room = static_cast<size_t>(epptr() - pptr());
    if (room == 0) {
      flush();
      continue;
    }
    size_t k = std::min(room, n);
    std::memcpy(pptr(), s, k);
    hash(pptr(), k);
    pbump(static_cast<int>(k));
    s += k;
    n -= k;
  }
  return count;
}

int FileWriteBuf::sync() {
  if (disabled_) return 0;
  try {
    flush();
    return 0;
  } catch (...) {
    return -1;
  }
}

FileReadBuf::FileReadBuf(int fd, uint64_t begin, uint64_t end, std::string what)
    : fd_(fd),
      file_pos_(begin),
      end_(end),
      what_(std::move(what)),
      buffer_bytes_(static_cast<size_t>(std::min<uint64_t>(kBufferBytes, std::max<uint64_t>(end - begin, 1)))),
      buffer_(new char[buffer_bytes_]),
      hash_(make_xxh3_state()) {
  setg(buffer_.get(), buffer_.get(), buffer_.get());
}

// Note [Why read ahead]: between two reads the CPU hashes and the allocator faults in fresh pages while no
// I/O is in flight; the kernel's own readahead window is far smaller than a payload. Asking for the next
// kReadAheadBytes keeps the disk busy meanwhile (bench/state_archive_bench, cold 1 GB: read_archive took 3.0x
// a raw read without it, 1.6x with a 64 MiB window, 1.5x with 256 MiB).
void FileReadBuf::read_ahead() {
  if (file_pos_ + kReadAheadBytes / 2 <= advised_until_ || advised_until_ >= end_) return;
  uint64_t from = std::max(advised_until_, file_pos_);
  uint64_t until = std::min(end_, file_pos_ + kReadAheadBytes);
  ::posix_fadvise(fd_, static_cast<off_t>(from), static_cast<off_t>(until - from), POSIX_FADV_WILLNEED);
  advised_until_ = until;
}

size_t FileReadBuf::read_from_file(char* dst, size_t n) {
  n = static_cast<size_t>(std::min<uint64_t>(n, end_ - file_pos_));
  for (size_t done = 0; done < n;) {
    read_ahead();
    size_t k = std::min(kHashSliceBytes, n - done);
    pread_all(fd_, dst + done, k, file_pos_, what_);
    file_pos_ += k;
    done += k;
  }
  return n;
}

void FileReadBuf::hash(const char* s, size_t n) {
  if (payload_hash_ != nullptr) XXH3_64bits_update(payload_hash_, s, n);
  if (payload_hash_ == nullptr || payload_in_frame_) XXH3_64bits_update(hash_.get(), s, n);
}

FileReadBuf::int_type FileReadBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  size_t n = read_from_file(buffer_.get(), buffer_bytes_);
  setg(buffer_.get(), buffer_.get(), buffer_.get() + n);
  return n == 0 ? traits_type::eof() : traits_type::to_int_type(*gptr());
}

std::streamsize FileReadBuf::xsgetn(char* s, std::streamsize count) {
  auto n = static_cast<size_t>(count);
  size_t done = 0;
  while (done < n) {
    size_t buffered = static_cast<size_t>(egptr() - gptr());
    if (buffered > 0) {
      size_t k = std::min(buffered, n - done);
      std::memcpy(s + done, gptr(), k);
      hash(s + done, k);
      gbump(static_cast<int>(k));
      done += k;
      continue;
    }
    if (n - done >= kDirectBytes) {
      // Slice by slice, so the hash reads each slice while it is still in cache.
      size_t k = read_from_file(s + done, std::min(n - done, kHashSliceBytes));
      if (k == 0) break;
      hash(s + done, k);
      done += k;
      continue;
    }
    if (traits_type::eq_int_type(underflow(), traits_type::eof())) break;
  }
  return static_cast<std::streamsize>(done);
}

}  // namespace trainkit::state
