// Damaged snapshots: every kind of damage is a clear trainkit::ResumeError, never a crash or a huge
// allocation. Run under ASan/UBSan too (TRAINKIT_SANITIZE=ON).
#include <cstdlib>
#include <cstring>
#include <random>

#include <catch2/catch.hpp>
#include <xxhash.h>

#include "core/error.h"
#include "process.h"
#include "state/archive.h"
#include "state/archive_format.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
namespace fmt = trainkit::state::archive_format;
using Catch::Matchers::Contains;

namespace {

// With TRAINKIT_FUZZ_SEEDS_DIR set, every file these tests make is also copied there, named by its hash:
// fuzz/make_corpus.sh turns them into seeds of the archive reader's fuzzer.
void keep_as_fuzz_seed(const std::string& path) {
  const char* dir = std::getenv("TRAINKIT_FUZZ_SEEDS_DIR");
  if (dir == nullptr) return;
  const std::vector<uint8_t> bytes = read_bytes(path);
  write_bytes(str_cat(dir, "/", std::hex, XXH3_64bits(bytes.data(), bytes.size())), bytes);
}

// The reason read_archive gives (without the "<path>: " prefix); also checks verify_archive agrees.
std::string refusal(const std::string& path) {
  keep_as_fuzz_seed(path);
  std::string reason;
  try {
    state::read_archive(path);
  } catch (const ResumeError& e) {
    reason = e.what();
    REQUIRE(reason.rfind(path + ": ", 0) == 0);
    reason = reason.substr(path.size() + 2);
  }
  state::ArchiveSummary summary = state::verify_archive(path);
  CHECK_FALSE(summary.ok);
  CHECK(summary.problem == reason);
  return reason;
}

std::string valid_archive(const tk_test::TempDir& dir) {
  state::MemoryTree tree = sample_tree();
  tree.leaves["model/main/big"] = float_tensor({64, 256}, 0.0f);  // 64 KiB, so cuts land in a payload
  std::string path = dir.file("good");
  state::write_archive(tree, path);
  keep_as_fuzz_seed(path);
  return path;
}

// Raw little-endian pieces of a body in either format version, to forge archives the writer would never
// produce. Version 2 hashes the body without payloads (Note [trainkit archive layout]).
struct Body {
  explicit Body(uint32_t version = fmt::kVersion) : version(version) {}
  uint32_t version;
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> hashed;  // what the whole-file hash covers

  template <class T>
  Body& put(T v) {
    return raw(&v, sizeof v);
  }
  Body& raw(const void* data, size_t n, bool payload = false) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + n);
    if (!payload || version == 1) hashed.insert(hashed.end(), p, p + n);
    return *this;
  }
  // An entry header with `size` and `hash`, and the payload when given, each where `version` puts them.
  Body& entry(const std::string& path, uint8_t type, DLDataType dtype, std::vector<int64_t> shape, uint64_t size,
              uint64_t hash, const void* payload = nullptr, size_t payload_bytes = 0) {
    put(fmt::kEntryRecord).put(uint64_t{path.size()}).raw(path.data(), path.size());
    put(type).put(dtype.code).put(dtype.bits).put(dtype.lanes).put(static_cast<uint32_t>(shape.size()));
    for (int64_t d : shape) put(d);
    put(size);
    if (version == 1) put(hash);
    if (payload != nullptr) raw(payload, payload_bytes, /*payload=*/true);
    if (version != 1 && payload != nullptr) put(hash);
    return *this;
  }
  Body& end(uint64_t count) { return put(fmt::kEndRecord).put(count); }
};

// Frames a body with a correct header and trailer (length and whole-file hash), so only the body is wrong.
std::vector<uint8_t> frame(const Body& body, uint32_t version = 0) {
  fmt::Header header{};
  std::memcpy(header.magic, fmt::kMagic, 8);
  header.version = version != 0 ? version : body.version;
  header.file_length = fmt::kHeaderBytes + body.bytes.size() + fmt::kTrailerBytes;
  fmt::Trailer trailer{};
  std::memcpy(trailer.end_magic, fmt::kEndMagic, 8);
  trailer.file_hash = XXH3_64bits_withSeed(&header, sizeof header, XXH3_64bits(body.hashed.data(), body.hashed.size()));
  trailer.file_length = header.file_length;
  std::vector<uint8_t> file(header.file_length);
  std::memcpy(file.data(), &header, sizeof header);
  if (!body.bytes.empty()) std::memcpy(file.data() + sizeof header, body.bytes.data(), body.bytes.size());
  std::memcpy(file.data() + sizeof header + body.bytes.size(), &trailer, sizeof trailer);
  return file;
}

}  // namespace

TEST_CASE("a forged archive that follows the documented layout reads back", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  int64_t v = 42;
  const uint32_t version = GENERATE(1u, 2u);
  CAPTURE(version);
  Body body(version);
  body.entry("trainer/iteration", 1, {}, {}, 8, XXH3_64bits(&v, 8), &v, 8).end(1);
  write_bytes(dir.file("forged"), frame(body));
  keep_as_fuzz_seed(dir.file("forged"));
  state::MemoryTree tree = state::read_archive(dir.file("forged"));
  CHECK(std::get<int64_t>(tree.leaves.at("trainer/iteration")) == 42);
  CHECK(state::verify_archive(dir.file("forged")).iteration == 42);
}

TEST_CASE("an empty file is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  write_bytes(dir.file("s"), {});
  CHECK(refusal(dir.file("s")) == "empty file");
}

TEST_CASE("a missing file is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  CHECK_THAT(refusal(dir.file("missing")), Contains("cannot open"));
}

TEST_CASE("a wrong magic is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  SECTION("first byte") { bytes[0] = 'P'; }
  SECTION("text-mode transfer turned \\r\\n into \\n") { bytes.erase(bytes.begin() + 4); }
  SECTION("7-bit channel cleared the high bit") { bytes[0] &= 0x7f; }
  write_bytes(dir.file("s"), bytes);
  CHECK(refusal(dir.file("s")) == "not a trainkit snapshot (bad magic)");
}

TEST_CASE("an unsupported format version is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  uint32_t seven = 7;
  std::memcpy(&bytes[8], &seven, 4);
  write_bytes(dir.file("s"), bytes);
  CHECK_THAT(refusal(dir.file("s")), Catch::StartsWith("unsupported format version 7"));
  write_bytes(dir.file("framed"), frame(Body().end(0), 7));  // even with a consistent frame
  CHECK_THAT(refusal(dir.file("framed")), Catch::StartsWith("unsupported format version 7"));
}

TEST_CASE("truncation at any offset is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  const std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  const size_t size = bytes.size();
  std::vector<size_t> cuts;
  for (size_t k = 0; k < 37; ++k) cuts.push_back(size * k / 37);
  for (size_t k = 1; k <= 32; ++k) cuts.push_back(size - k);
  for (size_t cut : cuts) {
    CAPTURE(cut, size);
    write_bytes(dir.file("s"), std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
    std::string reason = refusal(dir.file("s"));
    if (cut == 0)
      CHECK(reason == "empty file");
    else if (cut < fmt::kHeaderBytes)
      CHECK_THAT(reason, Contains("truncated: file has " + std::to_string(cut) + " bytes"));
    else
      CHECK(reason == "truncated: expected " + std::to_string(size) + " bytes, file has " + std::to_string(cut));
  }
}

TEST_CASE("bytes appended after the trailer are refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  bytes.push_back('\n');
  write_bytes(dir.file("s"), bytes);
  CHECK_THAT(refusal(dir.file("s")), Contains("bytes appended after the end"));
}

TEST_CASE("a flipped byte anywhere is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  state::MemoryTree small = sample_tree();
  state::write_archive(small, dir.file("small"));
  keep_as_fuzz_seed(dir.file("small"));
  const std::vector<uint8_t> small_bytes = read_bytes(dir.file("small"));
  const std::vector<uint8_t> big_bytes = read_bytes(valid_archive(dir));

  auto check_flip = [&](const std::vector<uint8_t>& original, size_t offset, uint8_t mask) {
    CAPTURE(offset, int(mask), original.size());
    std::vector<uint8_t> bytes = original;
    bytes[offset] ^= mask;
    write_bytes(dir.file("s"), bytes);
    CHECK_FALSE(refusal(dir.file("s")).empty());
  };
  for (size_t offset = 0; offset < small_bytes.size(); ++offset) {  // every byte of a small archive
    check_flip(small_bytes, offset, 0x01);
    check_flip(small_bytes, offset, 0xff);
  }
  for (size_t k = 0; k < 97; ++k) check_flip(big_bytes, big_bytes.size() * k / 97, 0x10);
}

TEST_CASE("a damaged payload names its entry", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  const std::string path = "model/main/0.weight";
  // path | type code bits lanes(2) ndim(4) | 2 dims | size | payload | hash
  size_t payload = find_bytes(bytes, path) + path.size() + 9 + 2 * 8 + 8;
  bytes[payload + 5] ^= 0x40;
  write_bytes(dir.file("s"), bytes);
  CHECK(refusal(dir.file("s")) == "checksum mismatch in entry 'model/main/0.weight'");
}

TEST_CASE("damage outside payloads fails the whole-file checksum", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  bytes[find_bytes(bytes, "model/main/0.weight") + 6] ^= 0x01;  // the path still parses, the name changed
  write_bytes(dir.file("s"), bytes);
  CHECK(refusal(dir.file("s")) == "whole-file checksum mismatch");
}

TEST_CASE("random garbage is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint8_t> bytes(static_cast<size_t>(rng() % 5000));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    if (round % 2 == 1 && bytes.size() >= 16) {  // garbage behind a valid magic and version
      std::memcpy(bytes.data(), fmt::kMagic, 8);
      uint32_t version = fmt::kVersion, flags = 0;
      std::memcpy(&bytes[8], &version, 4);
      std::memcpy(&bytes[12], &flags, 4);
    }
    write_bytes(dir.file("s"), bytes);
    CHECK_FALSE(refusal(dir.file("s")).empty());
  }
  for (int round = 0; round < 200; ++round) {  // garbage bodies inside a consistent frame
    Body body(round % 2 == 0 ? 1 : fmt::kVersion);
    body.bytes.resize(static_cast<size_t>(rng() % 600));
    for (auto& b : body.bytes) b = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : rng() % 3);
    write_bytes(dir.file("s"), frame(body));
    CHECK_FALSE(refusal(dir.file("s")).empty());
  }
}

TEST_CASE("hostile entry headers are refused before anything is allocated", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  const uint64_t terabyte = uint64_t{1} << 40;
  const uint32_t version = GENERATE(1u, 2u);
  CAPTURE(version);
  Body body(version);
  std::string expected;
  SECTION("a 1 TB payload") {
    body.entry("model/0.weight", 5, {}, {}, terabyte, 0).put(uint64_t{0}).end(1);
    // 8 bytes of payload and the end record are left; format 2 also needs 8 for the hash after the payload.
    expected = str_cat("damaged entry #0 'model/0.weight' header (payload of 1099511627776 bytes, only ",
                       version == 1 ? 17 : 9, " left in the file)");
  }
  SECTION("a tensor whose shape overflows") {
    body.entry("t", 6, f32(), {int64_t{1} << 40, int64_t{1} << 40}, 16, 0).put(uint64_t{0}).put(uint64_t{0}).end(1);
    expected = "damaged entry #0 't' header (a float32 [1099511627776, 1099511627776] tensor of 16 bytes)";
  }
  SECTION("a tensor with a negative dimension") {
    body.entry("t", 6, f32(), {-1}, 0, 0).end(1);
    expected = "damaged entry #0 't' header (a float32 [-1] tensor of 0 bytes)";
  }
  SECTION("a 2^60 byte path") {
    body.put(fmt::kEntryRecord).put(uint64_t{1} << 60).end(1);
    expected = "damaged entry #0 header (path length 1152921504606846976)";
  }
  SECTION("a billion dimensions") {
    body.put(fmt::kEntryRecord).put(uint64_t{1}).put('t').put(uint8_t{6}).put(uint8_t{2}).put(uint8_t{32});
    body.put(uint16_t{1}).put(uint32_t{1000000000}).end(0);
    expected = "damaged entry #0 't' header (1000000000 dimensions)";
  }
  SECTION("an unknown leaf type") {
    body.entry("x", 9, {}, {}, 0, 0).end(1);
    expected = "damaged entry #0 'x' header (unknown leaf type 9)";
  }
  SECTION("an int64 of 4 bytes") {
    body.entry("x", 1, {}, {}, 4, 0).put(uint32_t{0}).end(1);
    expected = "damaged entry #0 'x' header (a scalar of 4 bytes)";
  }
  SECTION("a bool that is neither 0 nor 1") {
    uint8_t two = 2;
    body.entry("flag", 3, {}, {}, 1, XXH3_64bits(&two, 1), &two, 1).end(1);
    expected = "damaged entry 'flag' (bool byte 2)";
  }
  SECTION("a duplicate entry") {
    int64_t v = 1;
    body.entry("x", 1, {}, {}, 8, XXH3_64bits(&v, 8), &v, 8);
    body.entry("x", 1, {}, {}, 8, XXH3_64bits(&v, 8), &v, 8).end(2);
    expected = "damaged: entry 'x' appears twice";
  }
  SECTION("a wrong entry count") {
    body.end(3);
    expected = "damaged end record: it counts 3 entries, the file has 0";
  }
  SECTION("bytes after the end record") {
    body.end(0).put(uint32_t{0});
    expected = "damaged: 4 unexpected bytes after the end record";
  }
  SECTION("no end record") {
    int64_t v = 1;
    body.entry("x", 1, {}, {}, 8, XXH3_64bits(&v, 8), &v, 8);
    expected = "damaged: the entries end inside the end record (entry #1)";
  }
  SECTION("an unknown record kind") {
    body.put(uint8_t{0x7f}).end(0);
    expected = "damaged entry #0 (unknown record kind 127 at byte 24)";
  }
  SECTION("a wrong payload hash") {
    int64_t v = 1;
    body.entry("trainer/iteration", 1, {}, {}, 8, 12345, &v, 8).end(1);
    expected = "checksum mismatch in entry 'trainer/iteration'";
  }
  write_bytes(dir.file("s"), frame(body));
  CHECK(refusal(dir.file("s")) == expected);
}

TEST_CASE("a damaged trailer or header length is refused", "[state][archive][corrupt]") {
  tk_test::TempDir dir;
  std::vector<uint8_t> bytes = read_bytes(valid_archive(dir));
  const size_t size = bytes.size();
  std::string expected;
  SECTION("end magic") {
    bytes[size - fmt::kTrailerBytes] ^= 0x01;
    expected = "truncated or damaged (no trailer)";
  }
  SECTION("trailer length") {
    bytes[size - 8] ^= 0x01;
    expected = "damaged trailer: it records " + std::to_string(size ^ 1) + " bytes, file has " + std::to_string(size);
  }
  SECTION("header length") {
    bytes[16] ^= 0x04;
    expected = "damaged header: it declares " + std::to_string(size ^ 4) + " bytes, the file and its trailer have " +
               std::to_string(size);
  }
  SECTION("whole-file hash") {
    bytes[size - 16] ^= 0x01;
    expected = "whole-file checksum mismatch";
  }
  write_bytes(dir.file("s"), bytes);
  CHECK(refusal(dir.file("s")) == expected);
}
