// trainkit data: a whole file mapped read-only into memory, for formats whose arrays can be used in place.
//
//   auto file = std::make_shared<data::MappedFile>("/data/x.npy");   // ConfigError naming the path
//   const uint8_t* p = file->data();  size_t n = file->size();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trainkit::data {

// Use to read a file in place; the pages load as examples are read, so opening a large file is cheap.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace trainkit::data
