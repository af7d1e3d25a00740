// trainkit data: NumPy's .npy format (a documented header, then the raw array) and the `npy` format, a
// folder of .npy files, one field each, named by the file's stem. Arrays are memory-mapped.
//
//   data::NpyHeader h = data::parse_npy_header(bytes, size, "x.npy");   // ConfigError naming x.npy
//   h.dtype;  h.shape;  h.data_offset;
//   std::unique_ptr<data::Source> src = data::open_npy_dir("/data/train");   // x.npy, y.npy -> x, y
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/array_source.h"

namespace trainkit::data {

// Use for what an .npy header says about the array after it.
struct NpyHeader {
  DLDataType dtype{};
  std::vector<int64_t> shape;
  size_t data_offset = 0;  // where the array begins
  size_t data_bytes = 0;   // its size: dtype size * product of shape
};

// Reads the header at bytes[0..size) and checks that the array it declares fits in `size`. ConfigError
// "<what>: ..." for a bad magic, version or header, a Fortran-order or big-endian array, a dtype
// trainkit has no use for (objects, strings, complex, datetimes), or an array cut short.
NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, const std::string& what);

// The array at bytes[0..size) as field `name`, borrowing the bytes (owner keeps them alive). A 0-d array
// is refused: a field needs one entry per example along its first dimension.
Array npy_array(const std::string& name, const uint8_t* bytes, size_t size, std::shared_ptr<const void> owner,
                const std::string& what);

// Every `*.npy` in `dir` (not recursive), memory-mapped, as one source. ConfigError naming the folder when
// it is missing or has no .npy file, and naming the file for a bad one.
std::unique_ptr<Source> open_npy_dir(const std::string& dir);

}  // namespace trainkit::data
