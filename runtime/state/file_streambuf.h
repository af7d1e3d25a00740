// trainkit state, internal: the std::streambufs the Boost archives of archive_writer/archive_reader run
// over. They talk to a file descriptor in big blocks, hash each byte once with XXH3 as it passes (into the
// frame hash, or into an entry's payload hash while one is set: Note [trainkit archive layout]), and move
// large payloads straight between the caller's memory and the file (no staging copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>

#include <xxhash.h>

namespace trainkit::state {

struct Xxh3StateDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using Xxh3State = std::unique_ptr<XXH3_state_t, Xxh3StateDeleter>;
Xxh3State make_xxh3_state();

// Writes and fsyncs; throw trainkit::TrainingError naming `what` (the snapshot's path) on failure.
void write_all(int fd, const void* data, size_t n, const std::string& what);
// Reads exactly n bytes at offset, or throws trainkit::ResumeError "<what>: <reason>".
void pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& what);

// Bytes are hashed in slices of this size right before the kernel copies them out (or right after it copied
// them in), so each byte crosses the memory bus once for hash and copy together: the slice is still in L2.
constexpr size_t kHashSliceBytes = 1 << 20;

// Use as the sink of a binary_oarchive: buffers small writes, writes payloads >= kDirectBytes in place.
class FileWriteBuf final : public std::streambuf {
 public:
  static constexpr size_t kBufferBytes = 8 << 20;
  static constexpr size_t kDirectBytes = 1 << 20;

  FileWriteBuf(int fd, std::string what);
  // Writes out what is buffered; throws on a write error (sync() itself reports -1 to std::streambuf).
  void flush();
  uint64_t bytes() const { return flushed_ + static_cast<uint64_t>(pptr() - pbase()); }
  // XXH3 of every byte put so far outside payloads.
  uint64_t digest() const { return XXH3_64bits_digest(hash_.get()); }
  // While set, the bytes put are an entry's payload: hashed into `state` instead of the frame hash.
  void set_payload_hash(XXH3_state_t* state) { payload_hash_ = state; }
  // After a failure or commit: later sync() calls (from an archive's teardown) must not write again.
  void disable() { disabled_ = true; setp(nullptr, nullptr); }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void hash(const void* s, size_t n) { XXH3_64bits_update(payload_hash_ ? payload_hash_ : hash_.get(), s, n); }

  int fd_;
  std::string what_;
  std::unique_ptr<char[]> buffer_;
  uint64_t flushed_ = 0;
  Xxh3State hash_;
  XXH3_state_t* payload_hash_ = nullptr;
  bool disabled_ = false;
};

// Use as the source of a binary_iarchive over the file bytes [begin, end): reads in big blocks, reads
// requests >= kDirectBytes straight into the destination, and hashes every byte it hands out.
// Never reads past `end`: a read there is a short read, which the archive reports as a stream error.
class FileReadBuf final : public std::streambuf {
 public:
  static constexpr size_t kBufferBytes = 8 << 20;
  static constexpr size_t kDirectBytes = 1 << 20;
  static constexpr uint64_t kReadAheadBytes = 256 << 20;

  FileReadBuf(int fd, uint64_t begin, uint64_t end, std::string what);
  // The offset of the next byte the archive will get.
  uint64_t position() const { return file_pos_ - static_cast<uint64_t>(egptr() - gptr()); }
  uint64_t remaining() const { return end_ - position(); }
  // XXH3 of the bytes handed out so far outside payloads (format 1: of all of them).
  uint64_t digest() const { return XXH3_64bits_digest(hash_.get()); }
  // While set, the bytes handed out are an entry's payload: hashed into `state`, and into the frame hash
  // too only when `frame_too` (format 1 hashed payloads twice).
  void set_payload_hash(XXH3_state_t* state, bool frame_too) {
    payload_hash_ = state;
    payload_in_frame_ = frame_too;
  }

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char* s, std::streamsize n) override;

 private:
  size_t read_from_file(char* dst, size_t n);
  void read_ahead();
  void hash(const char* s, size_t n);

  int fd_;
  uint64_t file_pos_;
  uint64_t end_;
  std::string what_;
  size_t buffer_bytes_;
  std::unique_ptr<char[]> buffer_;
  Xxh3State hash_;
  XXH3_state_t* payload_hash_ = nullptr;
  bool payload_in_frame_ = false;
  uint64_t advised_until_ = 0;
};

}  // namespace trainkit::state
