#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "data/array_source.h"

namespace trainkit::data {
namespace {

// IDX header: two zero bytes, a type code, the rank, then `rank` big-endian uint32 sizes.
constexpr int kUnsignedByte = 0x08;
// A header claiming more than this is corrupt for any data set a CPU run could train on; refusing it
// early turns a flipped byte into a clear message instead of an allocation failure.
constexpr int64_t kMaxBytes = int64_t{16} << 30;
constexpr int64_t kChunk = int64_t{1} << 24;

const char* type_name(int code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown";
  }
}

// Closes the gzFile on every path out, including the throwing ones.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    TK_CHECK(file_ != nullptr, ConfigError, path, ": cannot open data file");
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to `n` bytes; fewer only at the end of the data. Corrupt gzip data throws.
  int64_t read(uint8_t* out, int64_t n) {
    int64_t done = 0;
    while (done < n) {
      const auto want = static_cast<unsigned>(std::min(n - done, kChunk));
      const int got = gzread(file_, out + done, want);
      if (got < 0) throw_corrupt();
      if (got == 0) break;
      done += got;
    }
    // A gzip stream cut short reads as a short count with Z_BUF_ERROR; report it as truncation by
    // the caller (it knows how much it expected) rather than as corruption.
    int code = Z_OK;
    gzerror(file_, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) throw_corrupt();
    return done;
  }

 private:
  [[noreturn]] void throw_corrupt() {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    throw ConfigError(str_cat(path_, ": corrupt gzip data (", message ? message : "unknown zlib error", ")"));
  }

  std::string path_;
  gzFile file_;
};

}  // namespace

IdxArray read_idx(const std::string& path, int rank, int64_t limit) {
  GzFile file(path);
  uint8_t magic[4] = {};
  TK_CHECK(file.read(magic, 4) == 4, ConfigError, path, ": too short for an IDX header");
  TK_CHECK(magic[0] == 0 && magic[1] == 0, ConfigError, path, ": not an IDX file (magic bytes ",
           int{magic[0]}, " ", int{magic[1]}, ", expected 0 0)");
  TK_CHECK(magic[2] == kUnsignedByte, ConfigError, path, ": IDX data of type ", type_name(magic[2]),
           " (code ", int{magic[2]}, "); only unsigned bytes (code 8) are supported");
  TK_CHECK(magic[3] == rank, ConfigError, path, ": IDX file of rank ", int{magic[3]}, ", expected rank ", rank,
           rank == 3 ? " (images: count, rows, columns)" : rank == 1 ? " (labels: count)" : "");

  IdxArray array;
  array.path = path;
  int64_t record_bytes = 1;
  for (int d = 0; d < rank; ++d) {
    uint8_t be[4] = {};
    TK_CHECK(file.read(be, 4) == 4, ConfigError, path, ": truncated IDX header");
    const int64_t size = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | be[3];
    array.dims.push_back(size);
    if (d > 0) {
      TK_CHECK(size > 0, ConfigError, path, ": IDX dimension ", d, " is 0");
      record_bytes *= size;  // at most 2 dims of < 2^32 after the count: no overflow in int64
      TK_CHECK(record_bytes <= kMaxBytes, ConfigError, path, ": implausible IDX record size");
    }
  }
  const int64_t stored = array.dims[0];
  array.records = limit > 0 ? std::min(limit, stored) : stored;
  TK_CHECK(array.records <= kMaxBytes / record_bytes, ConfigError, path, ": implausible IDX size (",
           array.records, " records of ", record_bytes, " bytes)");

  // Grow while reading rather than trusting the header for one big allocation: a corrupt count then
  // ends as "truncated", not as an out-of-memory abort.
  const int64_t want = array.records * record_bytes;
  int64_t have = 0;
  while (have < want) {
    const int64_t step = std::min(want - have, kChunk);
    array.bytes.resize(static_cast<size_t>(have + step));
    const int64_t got = file.read(array.bytes.data() + have, step);
    have += got;
    if (got < step) break;
  }
  array.bytes.resize(static_cast<size_t>(have));
  TK_CHECK(have == want, ConfigError, path, ": truncated: the header declares ", stored, " records of ",
           record_bytes, " bytes, but the data ends after ", have / record_bytes, " whole records");
  if (array.records == stored) {
    uint8_t extra = 0;
    TK_CHECK(file.read(&extra, 1) == 0, ConfigError, path, ": data continues after the ", stored,
             " records the header declares (wrong header or two files concatenated?)");
  }
  return array;
}

std::string find_idx_file(const std::string& root, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path plain = fs::path(root) / name;
  std::error_code ec;
  if (fs::is_regular_file(plain, ec)) return plain.string();
  const fs::path gz = fs::path(root) / (name + ".gz");
  if (fs::is_regular_file(gz, ec)) return gz.string();
  throw ConfigError(str_cat("data file not found: neither ", plain.string(), " nor ", gz.string(), " exists"));
}

IdxSplit load_idx_split(const std::string& root, const std::string& stem, int64_t limit) {
  IdxSplit split;
  split.images_path = find_idx_file(root, stem + "-images-idx3-ubyte");
  split.labels_path = find_idx_file(root, stem + "-labels-idx1-ubyte");
  IdxArray images = read_idx(split.images_path, 3, limit);
  IdxArray labels = read_idx(split.labels_path, 1, limit);
  TK_CHECK(images.dims[0] == labels.dims[0], ConfigError, split.images_path, " holds ", images.dims[0],
           " images but ", split.labels_path, " holds ", labels.dims[0], " labels");
  TK_CHECK(images.records > 0, ConfigError, split.images_path, ": no examples");
  split.count = images.records;
  split.rows = images.dims[1];
  split.cols = images.dims[2];
  split.images = std::move(images.bytes);
  split.labels = std::move(labels.bytes);
  return split;
}

std::unique_ptr<Source> open_idx(const std::string& root, const std::string& stem, int64_t limit) {
  IdxSplit split = load_idx_split(root, stem, limit);
  Array images = owned_array({"image", kUInt8, {1, split.rows, split.cols}, {}}, std::move(split.images), split.count);
  images.field.dtype = kFloat32;  // read as float: owned_array sized the bytes while they were uint8
  images.convert = Array::Convert::kUnitFloat;
  std::vector<uint8_t> labels(static_cast<size_t>(split.count) * sizeof(int64_t));
  for (size_t i = 0; i < split.labels.size(); ++i) {
    const int64_t label = split.labels[i];
    std::memcpy(labels.data() + i * sizeof(int64_t), &label, sizeof label);
  }
  std::vector<Array> arrays;
  arrays.push_back(std::move(images));
  arrays.push_back(owned_array({"label", kInt64, {}, {}}, std::move(labels), split.count));
  return std::make_unique<ArraySource>(split.images_path, std::move(arrays));
}

}  // namespace trainkit::data
