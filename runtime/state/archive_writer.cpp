#include "state/archive_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_set>

#include <boost/archive/binary_oarchive.hpp>

#include "core/error.h"
#include "state/archive_format.h"
#include "state/file_streambuf.h"

namespace trainkit::state {
namespace fmt = archive_format;
namespace {

std::string parent_dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Temp files are hidden `.tmp.*` (docs/outputs.md), so autoload and retention never pick them.
std::string temp_name_for(const std::string& final_path) {
  std::random_device rd;
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%ld.%08x", static_cast<long>(::getpid()), static_cast<unsigned>(rd()));
  std::string dir = parent_dir(final_path);
  std::string name = ".tmp." + base_name(final_path) + "." + suffix;
  return final_path.find('/') == std::string::npos ? name : dir + (dir == "/" ? "" : "/") + name;
}

fmt::Header make_header(uint64_t file_length) {
  fmt::Header h{};
  std::memcpy(h.magic, fmt::kMagic, sizeof h.magic);
  h.version = fmt::kVersion;
  h.flags = 0;
  h.file_length = file_length;
  return h;
}

void fsync_dir(const std::string& dir, const std::string& what) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  TK_CHECK(fd >= 0, TrainingError, "cannot open folder of snapshot '", what, "': ", std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  TK_CHECK(rc == 0, TrainingError, "cannot fsync folder of snapshot '", what, "': ", std::strerror(err));
}

}  // namespace

struct ArchiveWriter::Impl {
  std::string final_path;
  std::string temp_path;
  int fd = -1;
  std::unique_ptr<FileWriteBuf> buf;
  std::unique_ptr<boost::archive::binary_oarchive> ar;
  std::unordered_set<std::string> paths;
  uint64_t entries = 0;
  bool committed = false;
  bool broken = false;  // a write failed: the file is unusable, commit() refuses

  // Runs `body`; any exception marks the writer broken so commit() cannot publish a half-written file.
  template <class Body>
  void guarded(Body&& body) {
    TK_CHECK(!broken, TrainingError, "snapshot '", final_path, "': an earlier write failed");
    TK_INTERNAL_ASSERT(!committed);
    try {
      body();
    } catch (...) {
      broken = true;
      buf->disable();
      throw;
    }
  }
};

ArchiveWriter::ArchiveWriter(const std::string& final_path) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.final_path = final_path;
  s.temp_path = temp_name_for(final_path);
  s.fd = ::open(s.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  TK_CHECK(s.fd >= 0, TrainingError, "cannot create snapshot '", final_path, "' (temp file '", s.temp_path,
           "'): ", std::strerror(errno));
  try {
    // The header's length stays 0 until commit(), so a temp file that escaped somehow reads as uncommitted.
    fmt::Header header = make_header(0);
    write_all(s.fd, &header, sizeof header, final_path);
    s.buf = std::make_unique<FileWriteBuf>(s.fd, final_path);
    s.ar = std::make_unique<boost::archive::binary_oarchive>(
        *s.buf, boost::archive::no_header | boost::archive::no_codecvt);
  } catch (...) {
    ::close(s.fd);
    ::unlink(s.temp_path.c_str());
    throw;
  }
}

ArchiveWriter::~ArchiveWriter() {
  Impl& s = *impl_;
  if (s.buf) s.buf->disable();
  s.ar.reset();
  if (s.fd >= 0) ::close(s.fd);
  if (!s.committed) ::unlink(s.temp_path.c_str());
}

void ArchiveWriter::add(const std::string& path, const LeafView& leaf) {
  Impl& s = *impl_;
  TK_CHECK(!path.empty() && path.size() <= fmt::kMaxPathBytes, TrainingError, "snapshot '", s.final_path,
           "': invalid state key path of ", path.size(), " bytes");
  TK_CHECK(leaf.type != LeafType::kTensor || leaf.shape.size() <= fmt::kMaxDims, TrainingError,
           "state key '", path, "': a tensor of ", leaf.shape.size(), " dimensions");
  TK_CHECK(s.paths.insert(path).second, TrainingError, "state key '", path, "' was saved twice in one visit");
  s.guarded([&] {
    auto& ar = *s.ar;
    const uint8_t record = fmt::kEntryRecord;
    const uint64_t path_size = path.size();
    const auto type = static_cast<uint8_t>(leaf.type);
    const uint8_t code = leaf.dtype.code, bits = leaf.dtype.bits;
    const uint16_t lanes = leaf.dtype.lanes;
    const auto ndim = static_cast<uint32_t>(leaf.shape.size());
    const uint64_t size = leaf.size;
    const uint64_t hash = XXH3_64bits(leaf.data, leaf.size);
    ar << record << path_size;
    ar.save_binary(path.data(), path.size());
    ar << type << code << bits << lanes << ndim;
    if (ndim > 0) ar.save_binary(leaf.shape.data(), ndim * sizeof(int64_t));
    ar << size << hash;
    if (size > 0) ar.save_binary(leaf.data, leaf.size);
  });
  ++s.entries;
}

void ArchiveWriter::commit() {
  Impl& s = *impl_;
  s.guarded([&] {
    const uint8_t record = fmt::kEndRecord;
    const uint64_t count = s.entries;
    *s.ar << record << count;
    s.buf->flush();
    const uint64_t length = fmt::kHeaderBytes + s.buf->bytes() + fmt::kTrailerBytes;
    fmt::Header header = make_header(length);
    TK_CHECK(::pwrite(s.fd, &header, sizeof header, 0) == static_cast<ssize_t>(sizeof header), TrainingError,
             "cannot write snapshot '", s.final_path, "': ", std::strerror(errno));
    fmt::Trailer trailer{};
    std::memcpy(trailer.end_magic, fmt::kEndMagic, sizeof trailer.end_magic);
    trailer.file_hash = XXH3_64bits_withSeed(&header, sizeof header, s.buf->digest());
    trailer.file_length = length;
    write_all(s.fd, &trailer, sizeof trailer, s.final_path);
    s.buf->disable();
    TK_CHECK(::fsync(s.fd) == 0, TrainingError, "cannot fsync snapshot '", s.final_path, "': ", std::strerror(errno));
    int rc = ::close(s.fd);
    s.fd = -1;
    TK_CHECK(rc == 0, TrainingError, "cannot close snapshot '", s.final_path, "': ", std::strerror(errno));
    TK_CHECK(::rename(s.temp_path.c_str(), s.final_path.c_str()) == 0, TrainingError, "cannot rename '",
             s.temp_path, "' to '", s.final_path, "': ", std::strerror(errno));
    s.committed = true;  // the file is in place; only its folder entry may still be unsynced
    fsync_dir(parent_dir(s.final_path), s.final_path);
  });
}

const std::string& ArchiveWriter::final_path() const { return impl_->final_path; }
const std::string& ArchiveWriter::temp_path() const { return impl_->temp_path; }
uint64_t ArchiveWriter::entries() const { return impl_->entries; }
uint64_t ArchiveWriter::bytes_written() const { return fmt::kHeaderBytes + impl_->buf->bytes(); }

void write_archive(const MemoryTree& tree, const std::string& path) {
  ArchiveWriter writer(path);
  for (const auto& [key, leaf] : tree.leaves) writer.add(key, view_of(leaf));
  writer.commit();
}

}  // namespace trainkit::state
