#include "data/source.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "state/dl_tensor.h"

namespace trainkit::data {
namespace {

// One little-endian integer element of `width` bytes; 8-byte ones are read as int64 either way (a uint64
// label above INT64_MAX is no class index).
template <class I8, class I16, class I32>
int64_t integer_at(const uint8_t* p, size_t width) {
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof v);
    return static_cast<int64_t>(v);
  };
  switch (width) {
    case 1: return load(I8{});
    case 2: return load(I16{});
    case 4: return load(I32{});
    default: return load(int64_t{});
  }
}

}  // namespace

size_t Field::example_bytes() const { return state::tensor_nbytes(dtype, shape); }

void Source::read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const {
  for (size_t f = 0; f < fields().size(); ++f) {
    const size_t stride = fields()[f].example_bytes();
    for (int64_t i = 0; i < n; ++i) read(f, rows[i], out[f] + static_cast<size_t>(i) * stride);
  }
}

size_t field_index(const Source& source, const std::string& name) {
  std::vector<std::string> names;
  for (size_t i = 0; i < source.fields().size(); ++i) {
    if (source.fields()[i].name == name) return i;
    names.push_back(source.fields()[i].name);
  }
  throw ConfigError(str_cat(source.origin(), ": no field \"", name, "\" (it has ", name_list(names), ")",
                            did_you_mean(name, names)));
}

int64_t largest_integer(const Source& source, size_t field) {
  const Field& f = source.fields().at(field);
  const bool is_signed = f.dtype.code == kDLInt;
  TK_CHECK((is_signed || f.dtype.code == kDLUInt) && f.dtype.lanes == 1, ConfigError, source.origin(), ": field \"",
           f.name, "\" is ", dtype_text(f.dtype), ", not integer class labels");
  const size_t width = f.dtype.bits / 8;
  std::vector<uint8_t> example(f.example_bytes());
  int64_t largest = INT64_MIN;
  for (int64_t i = 0; i < source.size(); ++i) {
    source.read(field, i, example.data());
    for (size_t at = 0; at < example.size(); at += width) {
      const int64_t v = is_signed ? integer_at<int8_t, int16_t, int32_t>(&example[at], width)
                                  : integer_at<uint8_t, uint16_t, uint32_t>(&example[at], width);
      largest = std::max(largest, v);
    }
  }
  return largest;
}

std::string dtype_text(DLDataType dtype) { return state::dtype_name(dtype); }

}  // namespace trainkit::data
