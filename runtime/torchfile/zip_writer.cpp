#include "torchfile/zip_writer.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace trainkit::torchfile {
namespace {

constexpr size_t kBufferBytes = 1 << 20;
constexpr size_t kChunkBytes = 1 << 20;   // CRC-32, then write: the chunk is still in the cache
constexpr uint64_t kDirect = 64 << 10;    // entries at least this large are written from their own memory
constexpr uint64_t kMax32 = 0xFFFFFFFF;
constexpr unsigned kAlignment = 64;
constexpr unsigned kFlags = 0x0808;        // bit 3: data descriptor; bit 11: UTF-8 names
constexpr unsigned kDosDate = 0x21;        // 1980-01-01: fixed, so equal states give equal files

// Little-endian records appended to the buffer; flushed to the descriptor when full.
class Out {
 public:
  Out(int fd, std::vector<uint8_t>& buffer) : fd_(fd), buf_(buffer) {}

  uint64_t offset() const { return written_ + used_; }
  int error() const { return error_; }

  void le(uint64_t v, int n) {
    uint8_t b[8];
    for (int i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    put(b, static_cast<size_t>(n));
  }
  void put(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (n > 0 && error_ == 0) {
      if (used_ == buf_.size()) flush();
      const size_t take = n < buf_.size() - used_ ? n : buf_.size() - used_;
      std::memcpy(buf_.data() + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
    }
  }
  // Bytes written from their own memory, after what the buffer holds.
  void direct(const uint8_t* data, size_t n) {
    flush();
    if (error_ == 0) write_all(data, n);
    written_ += n;
  }
  void flush() {
    if (used_ > 0 && error_ == 0) write_all(buf_.data(), used_);
    written_ += used_;
    used_ = 0;
  }

 private:
  void write_all(const uint8_t* p, size_t n) {
    while (n > 0) {
      const ssize_t done = ::write(fd_, p, n);
      if (done < 0 && errno == EINTR) continue;
      if (done <= 0) {
        error_ = done < 0 ? errno : EIO;
        return;
      }
      p += done;
      n -= static_cast<size_t>(done);
    }
  }

  int fd_;
  std::vector<uint8_t>& buf_;
  size_t used_ = 0;
  uint64_t written_ = 0;
  int error_ = 0;
};

uint32_t crc_update(uint32_t crc, const uint8_t* p, size_t n) {
  return static_cast<uint32_t>(crc32(crc, p, static_cast<uInt>(n)));
}

void local_header(Out& out, const ZipSource& e, bool zip64) {
  out.le(0x04034b50, 4);
  out.le(zip64 ? 45 : 20, 2);
  out.le(kFlags, 2);
  out.le(0, 2);  // stored
  out.le(0, 2);
  out.le(kDosDate, 2);
  out.le(0, 4);  // CRC-32 and sizes: in the data descriptor
  out.le(zip64 ? kMax32 : 0, 4);
  out.le(zip64 ? kMax32 : 0, 4);
  // The extra field: zip64 sizes (zero: the descriptor has them), then padding ("FB", as PyTorch) that puts
  // the bytes on a 64-byte boundary.
  const uint64_t before_padding = out.offset() + 4 + e.name.size() + (zip64 ? 20 : 0);
  const unsigned padding = static_cast<unsigned>((kAlignment - (before_padding + 4) % kAlignment) % kAlignment);
  out.le(e.name.size(), 2);
  out.le((zip64 ? 20 : 0) + 4 + padding, 2);
  out.put(e.name.data(), e.name.size());
  if (zip64) {
    out.le(1, 2);
    out.le(16, 2);
    out.le(0, 8);
    out.le(0, 8);
  }
  out.le(0x4246, 2);
  out.le(padding, 2);
  static constexpr uint8_t kPad[kAlignment] = {};
  out.put(kPad, padding);
}

uint32_t entry_bytes(Out& out, const ZipSource& e) {
  uint32_t crc = crc_update(0, nullptr, 0);
  if (e.size < kDirect) {
    if (e.size > 0) crc = crc_update(crc, e.data, static_cast<size_t>(e.size));
    out.put(e.data, static_cast<size_t>(e.size));
    return crc;
  }
  for (uint64_t done = 0; done < e.size && out.error() == 0;) {
    const size_t n = e.size - done < kChunkBytes ? static_cast<size_t>(e.size - done) : kChunkBytes;
    crc = crc_update(crc, e.data + done, n);
    out.direct(e.data + done, n);
    done += n;
  }
  return crc;
}

void central_header(Out& out, const ZipSource& e, uint32_t crc, uint64_t offset) {
  const bool big = e.size >= kMax32, far = offset >= kMax32;
  out.le(0x02014b50, 4);
  out.le(45, 2);  // made by: version 4.5, MS-DOS attributes
  out.le(big || far ? 45 : 20, 2);
  out.le(kFlags, 2);
  out.le(0, 2);
  out.le(0, 2);
  out.le(kDosDate, 2);
  out.le(crc, 4);
  out.le(big ? kMax32 : e.size, 4);
  out.le(big ? kMax32 : e.size, 4);
  out.le(e.name.size(), 2);
  out.le((big || far) ? 4 + (big ? 16 : 0) + (far ? 8 : 0) : 0, 2);
  out.le(0, 2);  // comment
  out.le(0, 2);  // disk
  out.le(0, 2);  // internal attributes
  out.le(0, 4);  // external attributes
  out.le(far ? kMax32 : offset, 4);
  out.put(e.name.data(), e.name.size());
  if (big || far) {
    out.le(1, 2);
    out.le((big ? 16 : 0) + (far ? 8 : 0), 2);
    if (big) {
      out.le(e.size, 8);
      out.le(e.size, 8);
    }
    if (far) out.le(offset, 8);
  }
}

}  // namespace

ZipWriter::ZipWriter(std::vector<ZipSource> entries)
    : entries_(std::move(entries)), crcs_(entries_.size()), offsets_(entries_.size()), buffer_(kBufferBytes) {}

int ZipWriter::write(int fd) noexcept {
  Out out(fd, buffer_);
  for (size_t i = 0; i < entries_.size() && out.error() == 0; ++i) {
    const ZipSource& e = entries_[i];
    const bool zip64 = e.size >= kMax32;
    offsets_[i] = out.offset();
    local_header(out, e, zip64);
    crcs_[i] = entry_bytes(out, e);
    out.le(0x08074b50, 4);
    out.le(crcs_[i], 4);
    out.le(e.size, zip64 ? 8 : 4);
    out.le(e.size, zip64 ? 8 : 4);
  }
  const uint64_t directory = out.offset();
  for (size_t i = 0; i < entries_.size(); ++i) central_header(out, entries_[i], crcs_[i], offsets_[i]);
  const uint64_t directory_size = out.offset() - directory, count = entries_.size();
  const uint64_t zip64_end = out.offset();
  out.le(0x06064b50, 4);
  out.le(44, 8);  // the record's size after this field
  out.le(45, 2);
  out.le(45, 2);
  out.le(0, 4);
  out.le(0, 4);
  out.le(count, 8);
  out.le(count, 8);
  out.le(directory_size, 8);
  out.le(directory, 8);
  out.le(0x07064b50, 4);  // the locator
  out.le(0, 4);
  out.le(zip64_end, 8);
  out.le(1, 4);
  out.le(0x06054b50, 4);  // the classic end record; 0xFF... where the zip64 one holds the value
  out.le(0, 2);
  out.le(0, 2);
  out.le(count >= 0xFFFF ? 0xFFFF : count, 2);
  out.le(count >= 0xFFFF ? 0xFFFF : count, 2);
  out.le(directory_size >= kMax32 ? kMax32 : directory_size, 4);
  out.le(directory >= kMax32 ? kMax32 : directory, 4);
  out.le(0, 2);
  out.flush();
  return out.error();
}

}  // namespace trainkit::torchfile
