// trainkit torchfile: a regular file mapped read-only into memory, so a large file is read by the page
// cache alone and its tensors are copied once, into whatever needs them.
//
//   MappedFile file = MappedFile::open("sd.pt");   // torchfile::Error "cannot open: ..." and the like
//   parse(file.data(), file.size());
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trainkit::torchfile {

// Use to read a whole file without copying it. Refuses what is not a regular file (a FIFO would block,
// /dev/zero never ends). The mapping is private and read-only; the file must not shrink while mapped.
class MappedFile {
 public:
  static MappedFile open(const std::string& path);
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace trainkit::torchfile
