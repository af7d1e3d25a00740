// Helpers for the tests of runtime/data: .npy bytes built by hand, text files, and reading a whole field.
#pragma once

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "data/source.h"
#include "torch_fixtures.h"

namespace trainkit::testing {

// An .npy file (format 1.0) of `descr` and `shape` holding `data`, padded as NumPy pads its header.
inline std::vector<uint8_t> npy_bytes(const std::string& descr, const std::string& shape,
                                      const std::vector<uint8_t>& data, const std::string& fortran = "False") {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// Every example of field `name`, as T values back to back.
template <class T>
std::vector<T> read_all(const data::Source& source, const std::string& name) {
  const size_t f = data::field_index(source, name);
  const size_t n = source.fields()[f].example_bytes() / sizeof(T);
  std::vector<T> out(static_cast<size_t>(source.size()) * n);
  for (int64_t i = 0; i < source.size(); ++i) source.read(f, i, out.data() + static_cast<size_t>(i) * n);
  return out;
}

}  // namespace trainkit::testing
