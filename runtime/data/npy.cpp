#include "data/npy.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "data/mapped_file.h"
#include "state/dl_tensor.h"

namespace trainkit::data {
namespace {

// "\x93NUMPY", version major, minor, then the header length (2 bytes in 1.0, 4 in 2.0 and 3.0).
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// A header is a short Python dict literal; anything longer is not a real .npy file.
constexpr size_t kMaxHeader = size_t{1} << 20;

// The value text after `'key':` in the header dict, or "" when the key is absent.
std::string dict_value(const std::string& header, const std::string& key) {
  const std::string quoted[] = {"'" + key + "'", "\"" + key + "\""};
  for (const std::string& q : quoted) {
    size_t at = header.find(q);
    if (at == std::string::npos) continue;
    at = header.find(':', at + q.size());
    if (at == std::string::npos) return "";
    ++at;
    while (at < header.size() && header[at] == ' ') ++at;
    return header.substr(at);
  }
  return "";
}

// NumPy's type string ("<f4", "|u1", "<i8", "|b1") as a DLPack dtype.
DLDataType parse_descr(const std::string& descr, const std::string& what) {
  TK_CHECK(descr.size() >= 3, ConfigError, what, ": unsupported dtype '", descr, "'");
  const char order = descr[0];
  const char kind = descr[1];
  int bytes = 0;
  for (size_t i = 2; i < descr.size(); ++i) {
    TK_CHECK(descr[i] >= '0' && descr[i] <= '9' && bytes < 100, ConfigError, what, ": unsupported dtype '", descr,
             "' (structured, string or object arrays are not read)");
    bytes = bytes * 10 + (descr[i] - '0');
  }
  TK_CHECK(order != '>' || bytes == 1, ConfigError, what, ": big-endian array ('", descr,
           "'); save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))");
  TK_CHECK(order == '<' || order == '|' || order == '=', ConfigError, what, ": unsupported byte order in '", descr,
           "'");
  auto is = [&](char k, std::initializer_list<int> sizes) {
    return kind == k && std::find(sizes.begin(), sizes.end(), bytes) != sizes.end();
  };
  const uint8_t bits = static_cast<uint8_t>(bytes * 8);
  if (is('f', {2, 4, 8})) return {kDLFloat, bits, 1};
  if (is('i', {1, 2, 4, 8})) return {kDLInt, bits, 1};
  if (is('u', {1, 2, 4, 8})) return {kDLUInt, bits, 1};
  if (is('b', {1})) return {6, 8, 1};  // bool: DLPack 0.8's kDLBool code, as trainkit's state trees spell it
  throw ConfigError(str_cat(what, ": unsupported dtype '", descr,
                            "' (floating point, signed or unsigned integer or bool arrays are read)"));
}

// The shape tuple "(3, 4)", "(5,)", "()".
std::vector<int64_t> parse_shape(const std::string& text, const std::string& what) {
  TK_CHECK(!text.empty() && text[0] == '(', ConfigError, what, ": bad shape in the .npy header");
  std::vector<int64_t> shape;
  size_t i = 1;
  while (i < text.size() && text[i] != ')') {
    if (text[i] == ' ' || text[i] == ',') {
      ++i;
      continue;
    }
    TK_CHECK(text[i] >= '0' && text[i] <= '9', ConfigError, what, ": bad shape in the .npy header");
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      TK_CHECK(n < (std::numeric_limits<int64_t>::max() - 9) / 10, ConfigError, what, ": implausible shape");
      n = n * 10 + (text[i++] - '0');
    }
    shape.push_back(n);
  }
  TK_CHECK(i < text.size(), ConfigError, what, ": bad shape in the .npy header");
  return shape;
}

// The string literal at the start of `text` ('<f4' or "<f4").
std::string string_literal(const std::string& text, const std::string& what) {
  TK_CHECK(!text.empty() && (text[0] == '\'' || text[0] == '"'), ConfigError, what,
           ": the .npy header's descr is not a plain type string (structured arrays are not read)");
  const size_t end = text.find(text[0], 1);
  TK_CHECK(end != std::string::npos, ConfigError, what, ": bad descr in the .npy header");
  return text.substr(1, end - 1);
}

}  // namespace

NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, const std::string& what) {
  TK_CHECK(size >= kMagicSize + 4 && std::memcmp(bytes, kMagic, kMagicSize) == 0, ConfigError, what,
           ": not a NumPy .npy file (no \\x93NUMPY magic)");
  const int major = bytes[6];
  TK_CHECK(major >= 1 && major <= 3, ConfigError, what, ": .npy format version ", major, " is not supported (1-3)");
  size_t header_len = 0;
  size_t offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t{bytes[9]} << 8);
    offset = 10;
  } else {
    TK_CHECK(size >= 12, ConfigError, what, ": truncated .npy header");
    header_len = bytes[8] | (size_t{bytes[9]} << 8) | (size_t{bytes[10]} << 16) | (size_t{bytes[11]} << 24);
    offset = 12;
  }
  TK_CHECK(header_len <= kMaxHeader && header_len <= size - offset, ConfigError, what, ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes + offset), header_len);

  NpyHeader h;
  h.dtype = parse_descr(string_literal(dict_value(header, "descr"), what), what);
  const std::string fortran = dict_value(header, "fortran_order");
  TK_CHECK(fortran.rfind("False", 0) == 0 || fortran.rfind("True", 0) == 0, ConfigError, what,
           ": the .npy header has no fortran_order");
  TK_CHECK(fortran.rfind("False", 0) == 0, ConfigError, what,
           ": Fortran-order array; save it C-contiguous (np.ascontiguousarray)");
  h.shape = parse_shape(dict_value(header, "shape"), what);
  h.data_offset = offset + header_len;
  h.data_bytes = state::tensor_nbytes(h.dtype, h.shape);
  TK_CHECK(h.data_bytes != SIZE_MAX, ConfigError, what, ": implausible shape ", state::shape_text(h.shape));
  TK_CHECK(h.data_bytes <= size - h.data_offset, ConfigError, what, ": truncated: the header declares ",
           dtype_text(h.dtype), " ", state::shape_text(h.shape), " (", h.data_bytes, " bytes) but ",
           size - h.data_offset, " bytes follow it");
  return h;
}

Array npy_array(const std::string& name, const uint8_t* bytes, size_t size, std::shared_ptr<const void> owner,
                const std::string& what) {
  const NpyHeader h = parse_npy_header(bytes, size, what);
  TK_CHECK(!h.shape.empty(), ConfigError, what, ": field \"", name,
           "\" is a 0-d array; a field needs one entry per example along its first dimension");
  Array a;
  a.field.name = name;
  a.field.dtype = h.dtype;
  a.field.shape.assign(h.shape.begin() + 1, h.shape.end());
  a.bytes = bytes + h.data_offset;
  a.records = h.shape.front();
  a.owner = std::move(owner);
  return a;
}

std::unique_ptr<Source> open_npy_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  TK_CHECK(fs::is_directory(dir, ec), ConfigError, dir, ": no such folder (format \"npy\" reads a folder of .npy files)");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".npy") files.push_back(entry.path());
  TK_CHECK(!files.empty(), ConfigError, dir, ": no .npy file in this folder");
  std::sort(files.begin(), files.end());
  std::vector<Array> arrays;
  for (const fs::path& p : files) {
    auto file = std::make_shared<MappedFile>(p.string());
    arrays.push_back(npy_array(p.stem().string(), file->data(), file->size(), file, p.string()));
  }
  return std::make_unique<ArraySource>(dir, std::move(arrays));
}

}  // namespace trainkit::data
