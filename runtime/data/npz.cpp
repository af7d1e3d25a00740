#include "data/npz.h"

#include <zip.h>

#include <vector>

#include "core/error.h"
#include "data/array_source.h"
#include "data/npy.h"

namespace trainkit::data {
namespace {

// Entries larger than this are refused before allocating: no CPU training set needs one array this big,
// and a forged size must end as a message, not as an allocation failure.
constexpr zip_uint64_t kMaxEntry = zip_uint64_t{16} << 30;

class Archive {
 public:
  explicit Archive(const std::string& path) : path_(path) {
    int code = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (zip_ == nullptr) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      const std::string why = zip_error_strerror(&error);
      zip_error_fini(&error);
      throw ConfigError(str_cat(path, ": cannot read as an .npz archive (", why, ")"));
    }
  }
  ~Archive() { zip_discard(zip_); }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  zip_int64_t entries() const { return zip_get_num_entries(zip_, 0); }
  std::string name(zip_uint64_t i) const {
    const char* n = zip_get_name(zip_, i, ZIP_FL_ENC_GUESS);
    return n ? n : "";
  }

  // The whole entry, decompressed and CRC-checked.
  std::vector<uint8_t> read(zip_uint64_t i, const std::string& what) const {
    zip_stat_t st;
    zip_stat_init(&st);
    TK_CHECK(zip_stat_index(zip_, i, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE), ConfigError, what,
             ": cannot read the entry (", zip_strerror(zip_), ")");
    TK_CHECK(st.size <= kMaxEntry, ConfigError, what, ": implausible entry size ", st.size);
    zip_file_t* file = zip_fopen_index(zip_, i, 0);
    TK_CHECK(file != nullptr, ConfigError, what, ": cannot open the entry (", zip_strerror(zip_), ")");
    std::vector<uint8_t> bytes(static_cast<size_t>(st.size));
    const zip_int64_t got = bytes.empty() ? 0 : zip_fread(file, bytes.data(), st.size);
    // One more read reaches the end of the entry, where libzip checks the CRC.
    uint8_t extra = 0;
    const zip_int64_t more = got < 0 ? 0 : zip_fread(file, &extra, 1);
    const std::string why = zip_file_strerror(file);
    zip_fclose(file);
    TK_CHECK(got == static_cast<zip_int64_t>(st.size) && more == 0, ConfigError, what,
             ": damaged entry (", why, ")");
    return bytes;
  }

 private:
  std::string path_;
  zip_t* zip_ = nullptr;
};

}  // namespace

std::unique_ptr<Source> open_npz(const std::string& path) {
  Archive archive(path);
  std::vector<Array> arrays;
  const zip_int64_t n = archive.entries();
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string entry = archive.name(static_cast<zip_uint64_t>(i));
    const std::string what = str_cat(path, ": array \"", entry, "\"");
    TK_CHECK(entry.size() > 4 && entry.compare(entry.size() - 4, 4, ".npy") == 0, ConfigError, path,
             ": entry \"", entry, "\" is not an .npy array (not written by np.savez?)");
    auto bytes = std::make_shared<std::vector<uint8_t>>(archive.read(static_cast<zip_uint64_t>(i), what));
    arrays.push_back(npy_array(entry.substr(0, entry.size() - 4), bytes->data(), bytes->size(), bytes, what));
  }
  TK_CHECK(!arrays.empty(), ConfigError, path, ": the archive holds no array");
  return std::make_unique<ArraySource>(path, std::move(arrays));
}

}  // namespace trainkit::data
