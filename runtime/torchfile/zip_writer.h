// trainkit torchfile: a zip archive of stored entries streamed to a file descriptor in PyTorch's layout
// (Note [PyTorch's zip layout] in torch_zip.h), with no buffer the size of the file.
//
//   ZipWriter zip({{"archive/data.pkl", pkl.data(), pkl.size()}, {"archive/data/0", p, n}});  // allocates
//   if (int err = zip.write(fd)) ...;   // streams; allocates nothing, throws nothing: fork-safe
//
// Note [Streaming the zip]
// Each entry is written as PyTorch's own writer does: a local header with flag bit 3 (the CRC-32 and sizes
// follow the bytes, in a data descriptor), padded to put the bytes on a 64-byte boundary, the bytes, the
// descriptor. The CRC-32 is computed chunk by chunk just before each chunk is written, so every byte is
// read once from memory and then once more from the cache, and nothing is ever seeked back to. Small
// records gather in one buffer and go out in one write; large entries go out from their own memory. The
// central directory and zip64 end records (always written, as PyTorch does) follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trainkit::torchfile {

struct ZipSource {
  std::string name;
  const uint8_t* data = nullptr;  // must stay valid until write() returns
  uint64_t size = 0;
};

// Use to write one zip archive to a file descriptor (a file, or a pipe: nothing seeks). The constructor
// allocates every buffer write() needs, so write() may run on any thread or in a forked child.
class ZipWriter {
 public:
  explicit ZipWriter(std::vector<ZipSource> entries);
  // Returns 0, or the errno of the failed write. Writes from the descriptor's current position.
  int write(int fd) noexcept;

 private:
  std::vector<ZipSource> entries_;
  std::vector<uint32_t> crcs_;
  std::vector<uint64_t> offsets_;
  std::vector<uint8_t> buffer_;
};

}  // namespace trainkit::torchfile
