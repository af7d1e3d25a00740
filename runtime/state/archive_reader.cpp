#include "state/archive_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <unordered_set>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>

#include "core/error.h"
#include "state/archive_format.h"
#include "state/file_streambuf.h"
#include "state/leaf_view.h"

namespace trainkit::state {
namespace fmt = archive_format;
namespace {

// The reason a file is refused, without its path: read_archive prefixes the path, verify_archive doesn't.
class Problem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Parts>
[[noreturn]] void refuse(const Parts&... parts) {
  throw Problem(str_cat(parts...));
}

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Entry {
  uint64_t index = 0;
  std::string path;
  LeafType type = LeafType::kBytes;
  DLDataType dtype{};
  std::vector<int64_t> shape;
  uint64_t size = 0;
  uint64_t hash = 0;
};

// Walks one archive: the constructor checks header and trailer, next() yields entry headers (each
// bounded by the bytes left before anything is allocated), read_payload()/skip_payload() consume and check
// the payload, finish() checks the end record and the whole-file hash.
class Scanner {
 public:
  explicit Scanner(const std::string& path) : fd_(path) {
    if (fd_.get() < 0) refuse("cannot open: ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) refuse("cannot stat: ", std::strerror(errno));
    if (!S_ISREG(st.st_mode)) refuse("not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    check_frame();
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    buf_ = std::make_unique<FileReadBuf>(fd_.get(), fmt::kHeaderBytes, size_ - fmt::kTrailerBytes, "read error");
    ar_ = std::make_unique<boost::archive::binary_iarchive>(
        *buf_, boost::archive::no_header | boost::archive::no_codecvt);
  }

  uint64_t size() const { return size_; }

  bool next(Entry& e) {
    uint8_t record = 0;
    need(1, "the end record");
    *ar_ >> record;
    if (record == fmt::kEndRecord) return false;
    if (record != fmt::kEntryRecord)
      refuse("damaged entry #", count_, " (unknown record kind ", int(record), " at byte ", buf_->position() - 1, ")");
    e = Entry{};
    e.index = count_;
    uint64_t path_size = 0;
    need(8, "an entry header");
    *ar_ >> path_size;
    if (path_size == 0 || path_size > fmt::kMaxPathBytes || path_size > buf_->remaining())
      damaged(e, str_cat("path length ", path_size));
    e.path.resize(static_cast<size_t>(path_size));
    ar_->load_binary(e.path.data(), e.path.size());
    uint8_t type = 0;
    uint32_t ndim = 0;
    need(9, "an entry header");
    *ar_ >> type >> e.dtype.code >> e.dtype.bits >> e.dtype.lanes >> ndim;
    if (type < 1 || type > 6) damaged(e, str_cat("unknown leaf type ", int(type)));
    e.type = static_cast<LeafType>(type);
    if (ndim > fmt::kMaxDims || uint64_t{ndim} * 8 > buf_->remaining()) damaged(e, str_cat(ndim, " dimensions"));
    e.shape.resize(ndim);
    if (ndim > 0) ar_->load_binary(e.shape.data(), ndim * sizeof(int64_t));
    const bool hash_first = header_.version == 1;  // Note [trainkit archive layout]
    need(hash_first ? 16 : 8, "an entry header");
    *ar_ >> e.size;
    if (hash_first) *ar_ >> e.hash;
    const uint64_t after_payload = hash_first ? 0 : 8;
    if (e.size > buf_->remaining() || buf_->remaining() - e.size < after_payload)
      damaged(e, str_cat("payload of ", e.size, " bytes, only ", buf_->remaining() - after_payload,
                         " left in the file"));
    check_size(e);
    if (!paths_.insert(e.path).second) refuse("damaged: entry '", e.path, "' appears twice");
    ++count_;
    return true;
  }

  void read_payload(Entry& e, void* dst) {
    begin_payload();
    if (e.size > 0) ar_->load_binary(dst, static_cast<size_t>(e.size));
    end_payload(e);
  }

  // Hashes the payload in chunks; copies up to `keep_bytes` of its first bytes to `kept` (scalars).
  void skip_payload(Entry& e, void* kept, size_t keep_bytes) {
    begin_payload();
    constexpr size_t kChunk = kHashSliceBytes;
    if (scratch_.empty()) scratch_.resize(std::min<uint64_t>(kChunk, std::max<uint64_t>(e.size, 64)));
    for (uint64_t left = e.size; left > 0;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, kChunk));
      if (scratch_.size() < n) scratch_.resize(n);
      ar_->load_binary(scratch_.data(), n);
      if (left == e.size) std::memcpy(kept, scratch_.data(), std::min(n, keep_bytes));
      left -= n;
    }
    end_payload(e);
  }

  void finish() {
    uint64_t count = 0;
    need(8, "the end record");
    *ar_ >> count;
    if (count != count_) refuse("damaged end record: it counts ", count, " entries, the file has ", count_);
    if (buf_->remaining() != 0) refuse("damaged: ", buf_->remaining(), " unexpected bytes after the end record");
    if (XXH3_64bits_withSeed(&header_, sizeof header_, buf_->digest()) != trailer_.file_hash)
      refuse("whole-file checksum mismatch");
  }

  uint64_t entries() const { return count_; }

 private:
  void begin_payload() {
    XXH3_64bits_reset(payload_hash_.get());
    buf_->set_payload_hash(payload_hash_.get(), /*frame_too=*/header_.version == 1);
  }

  // Checks the payload against its hash: read before it (format 1) or right after it.
  void end_payload(Entry& e) {
    buf_->set_payload_hash(nullptr, false);
    if (header_.version != 1) *ar_ >> e.hash;  // next() made sure the 8 bytes are there
    if (XXH3_64bits_digest(payload_hash_.get()) != e.hash) refuse("checksum mismatch in entry '", e.path, "'");
  }

  // Everything outside the Boost body: size, magic, version, declared lengths, trailer.
  void check_frame() {
    if (size_ == 0) refuse("empty file");
    unsigned char head[fmt::kHeaderBytes] = {};
    size_t head_bytes = static_cast<size_t>(std::min<uint64_t>(size_, sizeof head));
    pread_all(fd_.get(), head, head_bytes, 0, "read error");
    if (std::memcmp(head, fmt::kMagic, std::min<size_t>(head_bytes, sizeof fmt::kMagic)) != 0)
      refuse("not a trainkit snapshot (bad magic)");
    if (size_ < fmt::kHeaderBytes) refuse("truncated: file has ", size_, " bytes, the header alone needs ", fmt::kHeaderBytes);
    std::memcpy(&header_, head, sizeof header_);
    if (header_.version < fmt::kOldestReadableVersion || header_.version > fmt::kVersion)
      refuse("unsupported format version ", header_.version, " (this trainkit reads versions ",
             fmt::kOldestReadableVersion, " to ", fmt::kVersion, ")");
    if (header_.flags != 0) refuse("unsupported format flags 0x", std::hex, header_.flags);
    bool trailer_ok = false;
    if (size_ >= fmt::kHeaderBytes + fmt::kTrailerBytes) {
      pread_all(fd_.get(), &trailer_, sizeof trailer_, size_ - sizeof trailer_, "read error");
      trailer_ok = std::memcmp(trailer_.end_magic, fmt::kEndMagic, sizeof fmt::kEndMagic) == 0;
    }
    if (header_.file_length == 0) refuse("incomplete: the writer never committed it");
    if (header_.file_length != size_) {
      if (trailer_ok && trailer_.file_length == size_)
        refuse("damaged header: it declares ", header_.file_length, " bytes, the file and its trailer have ", size_);
      if (header_.file_length > size_) refuse("truncated: expected ", header_.file_length, " bytes, file has ", size_);
      refuse("expected ", header_.file_length, " bytes, file has ", size_, " (bytes appended after the end)");
    }
    if (size_ < fmt::kMinFileBytes) refuse("damaged header: ", size_, " bytes cannot hold a snapshot");
    if (!trailer_ok) refuse("truncated or damaged (no trailer)");
    if (trailer_.file_length != size_)
      refuse("damaged trailer: it records ", trailer_.file_length, " bytes, file has ", size_);
  }

  // A fixed-size field must fit before the body ends; otherwise the entries were cut short.
  void need(uint64_t bytes, const char* what) {
    if (buf_->remaining() < bytes) refuse("damaged: the entries end inside ", what, " (entry #", count_, ")");
  }

  [[noreturn]] void damaged(const Entry& e, const std::string& why) {
    refuse("damaged entry #", e.index, e.path.empty() ? "" : str_cat(" '", e.path, "'"), " header (", why, ")");
  }

  void check_size(const Entry& e) {
    const bool scalar_dtype = e.dtype.code == 0 && e.dtype.bits == 0 && e.dtype.lanes == 0 && e.shape.empty();
    switch (e.type) {
      case LeafType::kInt64:
      case LeafType::kFloat64:
        if (!scalar_dtype || e.size != 8) damaged(e, str_cat("a scalar of ", e.size, " bytes"));
        break;
      case LeafType::kBool:
        if (!scalar_dtype || e.size != 1) damaged(e, str_cat("a bool of ", e.size, " bytes"));
        break;
      case LeafType::kString:
      case LeafType::kBytes:
        if (!scalar_dtype) damaged(e, "a dtype on a non-tensor");
        break;
      case LeafType::kTensor: {
        size_t expected = tensor_nbytes(e.dtype, e.shape);
        if (expected == std::numeric_limits<size_t>::max() || expected != e.size)
          damaged(e, str_cat("a ", dtype_name(e.dtype), " ", shape_text(e.shape), " tensor of ", e.size, " bytes"));
        break;
      }
    }
  }

  Fd fd_;
  uint64_t size_ = 0;
  fmt::Header header_{};
  fmt::Trailer trailer_{};
  std::unique_ptr<FileReadBuf> buf_;
  std::unique_ptr<boost::archive::binary_iarchive> ar_;
  uint64_t count_ = 0;
  std::unordered_set<std::string> paths_;
  std::vector<char> scratch_;
  Xxh3State payload_hash_ = make_xxh3_state();
};

void check_bool(const Entry& e, uint8_t v) {
  if (v > 1) refuse("damaged entry '", e.path, "' (bool byte ", int(v), ")");
}

// A buffer of n bytes for a payload. Note [Payload buffers in huge pages]: the fresh pages of a large
// payload are asked for in 2 MiB pages before they are first touched. On the virtual machines trainkit was
// measured on, faulting in fresh 4 KiB pages cost more CPU than reading and hashing the bytes; in 2 MiB
// pages a 16 MiB tensor takes 8 faults instead of 4096. Advice only: without transparent huge pages the
// buffer is the same, in 4 KiB pages.
void size_payload_buffer(std::vector<uint8_t>& v, size_t n) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  v.reserve(n);
  const auto begin = reinterpret_cast<uintptr_t>(v.data());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1), end = (begin + n) & ~(kHugePage - 1);
  if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
  v.resize(n);
}

Leaf read_leaf(Scanner& scanner, Entry& e) {
  switch (e.type) {
    case LeafType::kInt64: {
      int64_t v = 0;
      scanner.read_payload(e, &v);
      return v;
    }
    case LeafType::kFloat64: {
      double v = 0;
      scanner.read_payload(e, &v);
      return v;
    }
    case LeafType::kBool: {
      uint8_t v = 0;
      scanner.read_payload(e, &v);
      check_bool(e, v);
      return v == 1;
    }
    case LeafType::kString: {
      std::string v(static_cast<size_t>(e.size), '\0');
      scanner.read_payload(e, v.data());
      return v;
    }
    case LeafType::kBytes: {
      std::vector<uint8_t> v;
      size_payload_buffer(v, static_cast<size_t>(e.size));
      scanner.read_payload(e, v.data());
      return v;
    }
    case LeafType::kTensor: {
      TensorLeaf t;
      t.dtype = e.dtype;
      t.shape = e.shape;
      size_payload_buffer(t.data, static_cast<size_t>(e.size));
      scanner.read_payload(e, t.data.data());
      return t;
    }
  }
  TK_INTERNAL_ASSERT(false);
}

// Runs a scan, turning the stream errors Boost raises for a short body into a Problem.
template <class Body>
auto scan(const std::string& path, Body&& body) {
  try {
    Scanner scanner(path);
    return body(scanner);
  } catch (const boost::archive::archive_exception& e) {
    refuse("damaged: ", e.what());
  } catch (const ResumeError& e) {  // a read error inside the stream (pread_all)
    refuse(e.what());
  }
}

}  // namespace

MemoryTree read_archive(const std::string& path) {
  try {
    return scan(path, [](Scanner& scanner) {
      MemoryTree tree;
      Entry e;
      while (scanner.next(e)) tree.leaves.emplace(e.path, read_leaf(scanner, e));
      scanner.finish();
      return tree;
    });
  } catch (const Problem& p) {
    throw ResumeError(str_cat(path, ": ", p.what()));
  }
}

ArchiveSummary verify_archive(const std::string& path) {
  ArchiveSummary summary;
  try {
    summary = scan(path, [](Scanner& scanner) {
      ArchiveSummary s;
      s.bytes = scanner.size();
      Entry e;
      while (scanner.next(e)) {
        uint8_t head[8] = {};  // a scalar's payload, checked like read_archive checks it
        scanner.skip_payload(e, head, sizeof head);
        if (e.type == LeafType::kBool) check_bool(e, head[0]);
        if (e.path == "trainer/iteration" && e.type == LeafType::kInt64) {
          int64_t iteration = 0;
          std::memcpy(&iteration, head, sizeof iteration);
          s.iteration = iteration;
        }
      }
      scanner.finish();
      s.entries = scanner.entries();
      s.ok = true;
      return s;
    });
  } catch (const Problem& p) {
    summary = ArchiveSummary{};
    summary.problem = p.what();
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) summary.bytes = static_cast<uint64_t>(st.st_size);
  }
  return summary;
}

bool looks_like_trainkit_archive(const std::string& path) {
  Fd fd(path);
  if (fd.get() < 0) return false;
  unsigned char magic[sizeof fmt::kMagic] = {};
  ssize_t n = ::pread(fd.get(), magic, sizeof magic, 0);
  return n == static_cast<ssize_t>(sizeof magic) && std::memcmp(magic, fmt::kMagic, sizeof magic) == 0;
}

}  // namespace trainkit::state
