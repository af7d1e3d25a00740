// trainkit fuzz: bytes as a regular file with a path, for readers that take a path, without touching the
// disk: a memfd opened again through /proc/self/fd.
//
//   MemFile file;                               // one per fuzzer process, reused for every input
//   file.assign(data, size);
//   state::read_archive(file.path());           // open() on the path sees a regular file of `size` bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trainkit::fuzz {

class MemFile {
 public:
  MemFile();
  ~MemFile();
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  // Replaces the contents; throws std::runtime_error if the kernel refuses (out of memory).
  void assign(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace trainkit::fuzz
