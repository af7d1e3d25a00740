// runtime/torchfile/zip_reader: zip archives built by hand, intact, zip64, and damaged in every way.
#include "torchfile/zip_reader.h"

#include <catch2/catch.hpp>

#include "torchfile/errors.h"
#include "torchfile_test_support.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;
using torchfile::DamagedFile;
using torchfile::Unsupported;
using torchfile::ZipEntry;

ZipFile sample_zip() {
  ZipFile zip;
  zip.entries = {{"archive/data.pkl", bytes_of("pickle bytes")}, {"archive/data/0", Bytes(1000, 7)},
                 {"archive/empty", {}}};
  return zip;
}

std::vector<ZipEntry> entries_of(const Bytes& b) { return torchfile::read_zip_entries(b.data(), b.size()); }

std::string damage(const Bytes& b) {
  try {
    entries_of(b);
  } catch (const DamagedFile& e) {
    return e.what();
  }
  FAIL("not refused as DamagedFile");
  return "";
}

TEST_CASE("zip reader: entries with their offsets, classic and zip64 end records", "[torchfile][zip]") {
  for (bool zip64 : {false, true}) {
    INFO("zip64 " << zip64);
    ZipFile zip = sample_zip();
    zip.zip64 = zip64;
    const Bytes b = zip.bytes();
    const std::vector<ZipEntry> entries = entries_of(b);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].name == "archive/data.pkl");
    CHECK(std::string(b.begin() + static_cast<long>(entries[0].offset), b.begin() + static_cast<long>(entries[0].offset + entries[0].size)) == "pickle bytes");
    CHECK(entries[1].size == 1000);
    CHECK(b[entries[1].offset + 999] == 7);
    CHECK(entries[2].size == 0);
    CHECK(entries[1].method == 0);
  }
  // A comment after the end record is allowed (its length is in the record).
  Bytes commented = sample_zip().bytes();
  commented[commented.size() - 2] = 3;
  commented.insert(commented.end(), {'a', 'b', 'c'});
  CHECK(entries_of(commented).size() == 3);
}

TEST_CASE("zip reader: deflated entries are returned unverified, encrypted ones refused", "[torchfile][zip]") {
  ZipFile zip = sample_zip();
  zip.entries[1].method = 8;
  zip.entries[1].data = Bytes(10, 1);  // not real deflate data: the reader does not inflate
  const std::vector<ZipEntry> entries = entries_of(zip.bytes());
  CHECK(entries[1].method == 8);
  zip.entries[1].method = 12;
  CHECK_THROWS_WITH(entries_of(zip.bytes()), Contains("compression method 12"));
  zip.entries[1].method = 0;
  zip.entries[1].flags = 1;
  CHECK_THROWS_AS(entries_of(zip.bytes()), Unsupported);
}

TEST_CASE("zip reader: damaged archives are DamagedFile, never a crash", "[torchfile][zip]") {
  CHECK_THAT(damage({}), Contains("too short"));
  CHECK_THAT(damage(Bytes(100, 'x')), Contains("no zip end record"));
  for (bool zip64 : {false, true}) {
    ZipFile zip = sample_zip();
    zip.zip64 = zip64;
    const Bytes good = zip.bytes();
    // Every truncation: refused (a shorter file loses its end record).
    for (size_t n = 0; n < good.size(); ++n) damage(Bytes(good.begin(), good.begin() + static_cast<long>(n)));
    // Every single flipped byte: refused, except in the few bytes no reader checks (versions, times, attributes).
    int read = 0;
    for (size_t pos = 0; pos < good.size(); ++pos) {
      Bytes b = good;
      b[pos] ^= 0x41;
      try {
        entries_of(b);
        ++read;
      } catch (const torchfile::Error&) {
      }
    }
    INFO(read << " of " << good.size() << " one-byte damages read");
    CHECK(read < static_cast<int>(good.size()) / 4);
  }
  // Forged fields point outside the file or contradict each other.
  const Bytes good = sample_zip().bytes();
  const size_t end = good.size() - 22;
  auto forged = [&](size_t at, uint64_t value, int n) {
    Bytes b = good;
    for (int i = 0; i < n; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(value >> (8 * i));
    return b;
  };
  CHECK_THAT(damage(forged(end + 16, 0x7FFFFFF0, 4)), Contains("central directory is out of bounds"));
  CHECK_THAT(damage(forged(end + 12, 0x7FFFFFF0, 4)), Contains("central directory is out of bounds"));
  CHECK_THAT(damage(forged(end + 10, 60000, 2)), Contains("too small for its entry count"));
  CHECK_THAT(damage(forged(end + 16, 0xFFFFFFFF, 4)), Contains("zip64 sizes without a zip64 locator"));
  const size_t central = good.size() - 22 - (3 * 46 + 16 + 14 + 13);
  CHECK_THAT(damage(forged(central + 20, 5000, 4)), Contains("inconsistent sizes"));
  CHECK_THAT(damage(forged(central + 20, 5000, 4)), Contains("archive/data.pkl"));
  CHECK_THAT(damage(forged(central + 16, 0, 4)), Contains("fails its CRC-32 check"));
  CHECK_THAT(damage(forged(central + 42, 7, 4)), Contains("local header of entry archive/data.pkl is damaged"));
  CHECK_THAT(damage(forged(central + 20, 0xFFFFFFF0, 4)), Contains("inconsistent sizes"));
  Bytes both = forged(central + 20, 0xFFFFFFF0, 4);
  for (int i = 0; i < 4; ++i) both[central + 24 + static_cast<size_t>(i)] = static_cast<uint8_t>(0xFFFFFFF0u >> (8 * i));
  CHECK_THAT(damage(both), Contains("local header of entry archive/data.pkl is damaged"));  // runs past the directory
  CHECK_THAT(damage(forged(central + 28, 300, 2)), Contains("central directory entry 0 is damaged"));
}

}  // namespace
}  // namespace trainkit::testing
