#include "state/archive_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include <boost/archive/binary_oarchive.hpp>

#include "core/error.h"
#include "state/archive_format.h"
#include "state/atomic_replace.h"
#include "state/file_streambuf.h"

namespace trainkit::state {
namespace fmt = archive_format;
namespace {

fmt::Header make_header(uint64_t file_length) {
  fmt::Header h{};
  std::memcpy(h.magic, fmt::kMagic, sizeof h.magic);
  h.version = fmt::kVersion;
  h.flags = 0;
  h.file_length = file_length;
  return h;
}

}  // namespace

struct ArchiveWriter::Impl {
  std::string final_path;
  std::string temp_path;
  AtomicReplacement file;  // Note [Atomic file replacement]; its destructor removes an uncommitted file
  std::unique_ptr<FileWriteBuf> buf;
  std::unique_ptr<boost::archive::binary_oarchive> ar;
  std::unordered_set<std::string> paths;
  Xxh3State payload_hash = make_xxh3_state();
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
  ReplaceFailure failure;
  TK_CHECK(s.file.begin(final_path.c_str(), &failure), TrainingError, describe(failure, final_path));
  s.temp_path = s.file.temp_path();
  // The header's length stays 0 until commit(), so a temp file that escaped somehow reads as uncommitted.
  fmt::Header header = make_header(0);
  write_all(s.file.fd(), &header, sizeof header, final_path);
  s.buf = std::make_unique<FileWriteBuf>(s.file.fd(), final_path);
  s.ar = std::make_unique<boost::archive::binary_oarchive>(
      *s.buf, boost::archive::no_header | boost::archive::no_codecvt);
}

ArchiveWriter::~ArchiveWriter() {
  Impl& s = *impl_;
  if (s.buf) s.buf->disable();
  s.ar.reset();
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
    ar << record << path_size;
    ar.save_binary(path.data(), path.size());
    ar << type << code << bits << lanes << ndim;
    if (ndim > 0) ar.save_binary(leaf.shape.data(), ndim * sizeof(int64_t));
    ar << size;
    // Note [trainkit archive layout]: the payload is hashed once, as it goes out, into its own hash.
    XXH3_64bits_reset(s.payload_hash.get());
    s.buf->set_payload_hash(s.payload_hash.get());
    if (size > 0) ar.save_binary(leaf.data, leaf.size);
    s.buf->set_payload_hash(nullptr);
    const uint64_t hash = XXH3_64bits_digest(s.payload_hash.get());
    ar << hash;
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
    TK_CHECK(::pwrite(s.file.fd(), &header, sizeof header, 0) == static_cast<ssize_t>(sizeof header), TrainingError,
             "cannot write snapshot '", s.final_path, "': ", std::strerror(errno));
    fmt::Trailer trailer{};
    std::memcpy(trailer.end_magic, fmt::kEndMagic, sizeof trailer.end_magic);
    trailer.file_hash = XXH3_64bits_withSeed(&header, sizeof header, s.buf->digest());
    trailer.file_length = length;
    write_all(s.file.fd(), &trailer, sizeof trailer, s.final_path);
    s.buf->disable();
    ReplaceFailure failure;
    s.committed = true;  // once: even a failed commit has removed the temp file or published the file
    TK_CHECK(s.file.commit(&failure), TrainingError, describe(failure, s.final_path));
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
