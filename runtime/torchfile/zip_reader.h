// trainkit torchfile: the entries of a zip archive held in memory, every offset and size checked against
// the buffer before use, zip64 understood, the CRC-32 of every stored entry verified.
//
//   std::vector<ZipEntry> entries = read_zip_entries(data, size);   // DamagedFile / Unsupported
//   for (const ZipEntry& e : entries) use(e.name, data + e.offset, e.size);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trainkit::torchfile {

struct ZipEntry {
  std::string name;
  uint64_t offset = 0;           // of the entry's (compressed) bytes in the buffer
  uint64_t compressed_size = 0;  // bytes at offset
  uint64_t size = 0;             // uncompressed
  uint32_t crc32 = 0;            // of the uncompressed bytes
  unsigned method = 0;           // 0 stored (what PyTorch writes), 8 deflated
};

// The entries in central directory order. Stored entries have their CRC-32 checked here; a deflated
// entry is returned as it is (its CRC-32 covers the inflated bytes: the caller checks it). Throws
// DamagedFile for a truncated or inconsistent archive, a failed CRC-32, an entry outside the buffer;
// Unsupported for encrypted entries, multi-disk archives and methods other than 0 and 8.
std::vector<ZipEntry> read_zip_entries(const uint8_t* data, size_t size);

}  // namespace trainkit::torchfile
