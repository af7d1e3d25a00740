#include "torchfile/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "torchfile/errors.h"

namespace trainkit::torchfile {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50,
                   kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kEndSize = 22, kCentralSize = 46, kLocalSize = 30, kLocatorSize = 20, kZip64EndSize = 56;

[[noreturn]] void damaged(const std::string& reason) { throw DamagedFile(reason); }

// Little-endian fields read with bounds checks: a field past the end is damage, not a crash.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t size() const { return size_; }
  const uint8_t* at(uint64_t pos) const { return data_ + pos; }
  bool fits(uint64_t pos, uint64_t n) const { return pos <= size_ && n <= size_ - pos; }
  uint64_t le(uint64_t pos, unsigned n) const {
    if (!fits(pos, n)) damaged("a zip record runs past the end of the file");
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t{data_[pos + i]} << (8 * i);
    return v;
  }
  unsigned u16(uint64_t pos) const { return static_cast<unsigned>(le(pos, 2)); }
  uint32_t u32(uint64_t pos) const { return static_cast<uint32_t>(le(pos, 4)); }
  uint64_t u64(uint64_t pos) const { return le(pos, 8); }
  bool signature(uint64_t pos, uint32_t sig) const { return fits(pos, 4) && u32(pos) == sig; }

 private:
  const uint8_t* data_;
  size_t size_;
};

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0;
  uint64_t limit = 0;  // where the end records start: the directory ends before it
};

// The end of central directory record: 22 bytes plus a comment of up to 64 KiB, at the very end.
uint64_t find_end_record(const Bytes& b) {
  if (b.size() < kEndSize) damaged(str_cat("the file is ", b.size(), " bytes, too short for a zip archive"));
  const uint64_t lowest = b.size() >= kEndSize + 0xFFFF ? b.size() - kEndSize - 0xFFFF : 0;
  for (uint64_t pos = b.size() - kEndSize + 1; pos-- > lowest;)
    if (b.signature(pos, kEnd) && pos + kEndSize + b.u16(pos + 20) == b.size()) return pos;
  damaged("no zip end record (the file is truncated or not a zip archive)");
}

Directory read_directory(const Bytes& b) {
  const uint64_t end = find_end_record(b);
  if (b.u16(end + 4) != 0 || b.u16(end + 6) != 0) throw Unsupported("a zip archive split over several disks");
  Directory d{b.u16(end + 10), b.u32(end + 16), b.u32(end + 12), end};
  if (d.entries == 0xFFFF || d.size == 0xFFFFFFFF || d.offset == 0xFFFFFFFF) {
    // zip64: a locator just before the end record points at the zip64 end record.
    if (end < kLocatorSize || !b.signature(end - kLocatorSize, kZip64Locator))
      damaged("zip64 sizes without a zip64 locator");
    const uint64_t z = b.u64(end - kLocatorSize + 8);
    if (z > end - kLocatorSize || end - kLocatorSize - z < kZip64EndSize || !b.signature(z, kZip64End))
      damaged("the zip64 end record is damaged");
    d = Directory{b.u64(z + 32), b.u64(z + 48), b.u64(z + 40), z};
  }
  if (d.offset > d.limit || d.size > d.limit - d.offset) damaged("the central directory is out of bounds");
  if (d.entries > d.size / kCentralSize) damaged("the central directory is too small for its entry count");
  return d;
}

// The zip64 extended information extra field (id 1) holds the 64-bit values of the fields that are
// 0xFFFFFFFF, in this order.
void apply_zip64_extra(const Bytes& b, uint64_t at, uint64_t len, ZipEntry& e, uint64_t& local) {
  const uint64_t end = at + len;
  while (end - at >= 4) {
    const unsigned id = b.u16(at), n = b.u16(at + 2);
    if (n > end - at - 4) damaged(str_cat("a zip extra field of entry ", e.name, " runs past its end"));
    if (id == 1) {
      uint64_t field = at + 4;
      for (uint64_t* value : {&e.size, &e.compressed_size, &local}) {
        if (*value != 0xFFFFFFFF) continue;
        if (field + 8 > at + 4 + n) damaged(str_cat("the zip64 extra field of entry ", e.name, " is too short"));
        *value = b.u64(field);
        field += 8;
      }
    }
    at += 4 + n;
  }
}

uint32_t crc_of(const uint8_t* p, uint64_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < n;) {
    const auto chunk = static_cast<uInt>(std::min<uint64_t>(n - done, uint64_t{1} << 30));
    crc = crc32(crc, p + done, chunk);
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::vector<ZipEntry> read_zip_entries(const uint8_t* data, size_t size) {
  const Bytes b(data, size);
  const Directory dir = read_directory(b);
  std::vector<ZipEntry> entries;
  entries.reserve(static_cast<size_t>(dir.entries));
  uint64_t pos = dir.offset;
  const uint64_t dir_end = dir.offset + dir.size;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (dir_end - pos < kCentralSize || !b.signature(pos, kCentralHeader))
      damaged(str_cat("central directory entry ", i, " is damaged"));
    const unsigned flags = b.u16(pos + 8);
    const uint64_t name_len = b.u16(pos + 28), extra_len = b.u16(pos + 30), comment_len = b.u16(pos + 32);
    if (dir_end - pos - kCentralSize < name_len + extra_len + comment_len)
      damaged(str_cat("central directory entry ", i, " is damaged"));
    ZipEntry e;
    e.method = b.u16(pos + 10);
    e.crc32 = b.u32(pos + 16);
    e.compressed_size = b.u32(pos + 20);
    e.size = b.u32(pos + 24);
    e.name.assign(reinterpret_cast<const char*>(b.at(pos + kCentralSize)), name_len);
    uint64_t local = b.u32(pos + 42);
    apply_zip64_extra(b, pos + kCentralSize + name_len, extra_len, e, local);
    if (flags & 1) throw Unsupported(str_cat("entry ", e.name, " is encrypted"));
    if (e.method != 0 && e.method != 8)
      throw Unsupported(str_cat("entry ", e.name, " uses compression method ", e.method));
    if (e.method == 0 && e.compressed_size != e.size) damaged(str_cat("entry ", e.name, " has inconsistent sizes"));
    // Its local header, then its bytes, all before the central directory.
    if (local > dir.offset || dir.offset - local < kLocalSize || !b.signature(local, kLocalHeader))
      damaged(str_cat("the local header of entry ", e.name, " is damaged"));
    const uint64_t local_name = b.u16(local + 26), local_extra = b.u16(local + 28);
    e.offset = local + kLocalSize + local_name + local_extra;
    if (local_name != name_len || e.offset > dir.offset || e.compressed_size > dir.offset - e.offset ||
        std::memcmp(b.at(local + kLocalSize), e.name.data(), name_len) != 0)
      damaged(str_cat("the local header of entry ", e.name, " is damaged"));
    if (e.method == 0 && crc_of(b.at(e.offset), e.size) != e.crc32)
      damaged(str_cat("entry ", e.name, " fails its CRC-32 check (the file is damaged)"));
    entries.push_back(std::move(e));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
  return entries;
}

}  // namespace trainkit::torchfile
