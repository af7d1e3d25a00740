// runtime/data/idx: reading MNIST-family IDX files, plain and gzip, and refusing bad ones.
#include "data/idx.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

#include "core/error.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using data::find_idx_file;
using data::load_idx_split;
using data::read_idx;
using Catch::Matchers::Contains;

// Five 2x3 "images" whose bytes count up, so any misplaced byte shows.
std::vector<uint8_t> counting_images() {
  std::vector<uint8_t> pixels(5 * 2 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i);
  return concat(idx_header({5, 2, 3}), pixels);
}

TEST_CASE("read_idx reads a tiny IDX file, plain or gzip", "[data][idx]") {
  TempDir dir;
  const auto bytes = counting_images();
  write_plain(dir / "plain", bytes);
  write_gz(dir / "packed.gz", bytes);
  for (const std::string name : {"plain", "packed.gz"}) {
    INFO(name);
    const auto array = read_idx(dir / name, 3);
    CHECK(array.dims == std::vector<int64_t>{5, 2, 3});
    CHECK(array.records == 5);
    REQUIRE(array.bytes.size() == 30);
    CHECK(array.bytes.front() == 0);
    CHECK(array.bytes.back() == 29);
  }
}

TEST_CASE("read_idx with a limit reads only the first records", "[data][idx]") {
  TempDir dir;
  write_gz(dir / "images.gz", counting_images());
  const auto array = read_idx(dir / "images.gz", 3, /*limit=*/2);
  CHECK(array.dims[0] == 5);  // as stored
  CHECK(array.records == 2);
  CHECK(array.bytes.size() == 12);
  CHECK(array.bytes.back() == 11);
  CHECK(read_idx(dir / "images.gz", 3, /*limit=*/50).records == 5);  // a limit beyond the data is all of it
}

TEST_CASE("read_idx refuses broken files with a message naming the file", "[data][idx]") {
  TempDir dir;
  const std::string path = dir / "bad";
  auto refuses = [&](const std::vector<uint8_t>& bytes, const std::string& why, int rank = 3) {
    INFO(why);
    write_plain(path, bytes);
    CHECK_THROWS_WITH(read_idx(path, rank), Contains(path) && Contains(why));
    write_gz(path + ".gz", bytes);
    CHECK_THROWS_WITH(read_idx(path + ".gz", rank), Contains(path + ".gz") && Contains(why));
  };
  const auto good = counting_images();
  refuses({}, "too short for an IDX header");
  refuses({1, 2, 8, 3, 0, 0}, "not an IDX file");
  refuses(concat(idx_header({5, 2, 3}, 0x0D), std::vector<uint8_t>(120)), "type float32");
  refuses(good, "expected rank 1", /*rank=*/1);
  refuses(std::vector<uint8_t>(good.begin(), good.begin() + 10), "truncated IDX header");
  refuses(std::vector<uint8_t>(good.begin(), good.end() - 1), "truncated");
  refuses(std::vector<uint8_t>(good.begin(), good.end() - 1), "ends after 4 whole records");
  refuses(concat(good, {7}), "data continues after the 5 records");
  refuses(concat(idx_header({5, 0, 3}), {}), "dimension 1 is 0");
  refuses(concat(idx_header({0xFFFFFFFF, 0xFFFF, 0xFFFF}), {}), "implausible");
  CHECK_THROWS_AS(read_idx(dir / "missing", 3), ConfigError);
}

TEST_CASE("read_idx refuses a cut or corrupted gzip stream", "[data][idx]") {
  TempDir dir;
  std::vector<uint8_t> pixels(200000);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7919 % 251);
  write_gz(dir / "good.gz", concat(idx_header({1000, 10, 20}), pixels));
  std::ifstream in(dir / "good.gz", std::ios::binary);
  std::vector<uint8_t> packed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(packed.size() > 1000);

  write_plain(dir / "cut.gz", std::vector<uint8_t>(packed.begin(), packed.begin() + packed.size() / 2));
  CHECK_THROWS_WITH(read_idx(dir / "cut.gz", 3), Contains(dir / "cut.gz") && Contains("truncated"));

  auto flipped = packed;
  for (size_t i = 100; i < 400; ++i) flipped[i] ^= 0x5A;
  write_plain(dir / "flipped.gz", flipped);
  CHECK_THROWS_WITH(read_idx(dir / "flipped.gz", 3), Contains(dir / "flipped.gz"));
}

TEST_CASE("load_idx_split pairs images with labels, plain first, then .gz", "[data][idx]") {
  TempDir dir;
  write_tiny_split(dir.path(), "tiny", 12, /*gz=*/true);
  auto split = load_idx_split(dir.path().string(), "tiny");
  CHECK(split.count == 12);
  CHECK(split.rows == 28);
  CHECK(split.cols == 28);
  CHECK(split.images.size() == 12u * 28 * 28);
  CHECK(split.labels[11] == 1);
  CHECK(split.images_path == dir / "tiny-images-idx3-ubyte.gz");

  write_tiny_split(dir.path(), "tiny", 7, /*gz=*/false);  // plain files win over .gz
  split = load_idx_split(dir.path().string(), "tiny", /*limit=*/3);
  CHECK(split.images_path == dir / "tiny-images-idx3-ubyte");
  CHECK(split.count == 3);
  CHECK(split.labels.size() == 3);

  CHECK_THROWS_WITH(find_idx_file(dir.path().string(), "nothing-images-idx3-ubyte"),
                    Contains(dir / "nothing-images-idx3-ubyte") && Contains(".gz") && Contains("not found"));
  CHECK_THROWS_AS(load_idx_split(dir.path().string(), "nothing"), ConfigError);
}

TEST_CASE("load_idx_split refuses images and labels of different counts", "[data][idx]") {
  TempDir dir;
  write_tiny_split(dir.path(), "a", 12);
  write_tiny_split(dir.path(), "b", 10);
  std::filesystem::copy_file(dir.path() / "b-labels-idx1-ubyte", dir.path() / "a-labels-idx1-ubyte",
                             std::filesystem::copy_options::overwrite_existing);
  CHECK_THROWS_WITH(load_idx_split(dir.path().string(), "a"), Contains("12 images") && Contains("10 labels"));
}

TEST_CASE("Fashion-MNIST reads from Debian's .gz files", "[data][idx][fashion]") {
  TK_REQUIRE_DATA();
  const auto train = load_idx_split(kFashionMnist, "train");
  CHECK(train.count == 60000);
  CHECK(train.rows == 28);
  CHECK(train.cols == 28);
  CHECK(train.images.size() == 60000u * 28 * 28);
  std::array<int64_t, 10> per_class{};
  for (uint8_t label : train.labels) {
    REQUIRE(label < 10);
    ++per_class[label];
  }
  for (int64_t n : per_class) CHECK(n == 6000);  // Fashion-MNIST is balanced
  CHECK(*std::max_element(train.images.begin(), train.images.end()) == 255);

  const auto test = load_idx_split(kFashionMnist, "t10k", /*limit=*/100);
  CHECK(test.count == 100);
}

}  // namespace
}  // namespace trainkit::testing
