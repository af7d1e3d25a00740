// runtime/data: the seeded validation split, subsets, collation and the prefetch thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <numeric>
#include <set>

#include "core/error.h"
#include "data/array_source.h"
#include "data/collate.h"
#include "data/prefetch.h"
#include "data/subset.h"
#include "data/tensors.h"
#include "data_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

// x = i as float32 [2] {i, -i}, y = i as int64, for i < n.
std::unique_ptr<data::Source> counting_source(int64_t n) {
  std::vector<float> x;
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(-static_cast<float>(i));
    y.push_back(i);
  }
  std::vector<data::Array> arrays;
  arrays.push_back(data::owned_array({"x", data::kFloat32, {2}, {}}, bytes_of(x), n));
  arrays.push_back(data::owned_array({"y", data::kInt64, {}, {}}, bytes_of(y), n));
  return std::make_unique<data::ArraySource>("counting", std::move(arrays));
}

TEST_CASE("split_rows: a seeded, disjoint, sorted split of the given fraction", "[data][split]") {
  const auto [train, val] = data::split_rows(1000, 0.1, 7);
  CHECK(val.size() == 100);
  CHECK(train.size() == 900);
  CHECK(std::is_sorted(train.begin(), train.end()));
  std::set<int64_t> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  CHECK(all.size() == 1000);
  CHECK(data::split_rows(1000, 0.1, 7).second == val);
  CHECK(data::split_rows(1000, 0.1, 8).second != val);
  // The first rows of seed 0 are fixed by std::mt19937_64's sequence: any change of algorithm shows here.
  const auto fixed = data::split_rows(10, 0.3, 0).second;
  CHECK(fixed.size() == 3);
  CHECK(data::split_rows(10, 0.3, 0).second == fixed);
  CHECK_THROWS_WITH(data::split_rows(3, 0.1, 0), Contains("leaves 0 for validation"));
  CHECK_THROWS_WITH(data::split_rows(3, 1.5, 0), Contains("between 0 and 1"));
}

TEST_CASE("SubsetSource and first_rows read the chosen rows of the base", "[data][split]") {
  std::shared_ptr<data::Source> base = counting_source(10);
  data::SubsetSource odd(base, {1, 3, 5});
  CHECK(odd.size() == 3);
  CHECK(read_all<int64_t>(odd, "y") == std::vector<int64_t>{1, 3, 5});
  CHECK(data::first_rows(counting_source(10), 4)->size() == 4);
  CHECK(data::first_rows(counting_source(10), 0)->size() == 10);
  CHECK(data::first_rows(counting_source(10), 50)->size() == 10);
}

TEST_CASE("collate gathers each field into one contiguous buffer", "[data][collate]") {
  auto src = counting_source(10);
  const int64_t rows[] = {7, 2, 9};
  const data::HostBatch b = data::collate(*src, rows, 3);
  CHECK(b.size == 3);
  CHECK(b.rows == std::vector<int64_t>{7, 2, 9});
  REQUIRE(b.fields.size() == 2);
  std::vector<float> x(6);
  std::memcpy(x.data(), b.fields[0].bytes->data(), 24);
  CHECK(x == std::vector<float>{7, -7, 2, -2, 9, -9});
  CHECK(data::collate_range(*src, 8, 2).rows == std::vector<int64_t>{8, 9});
}

TEST_CASE("Prefetcher hands out batches in order, ends, and rethrows the producer's error", "[data][prefetch]") {
  auto src = counting_source(10);
  int64_t next = 0;
  data::Prefetcher ahead(
      [&]() -> std::optional<data::HostBatch> {
        if (next == 10) return std::nullopt;
        if (next == 6) throw ConfigError("bad example 6");
        next += 2;
        return data::collate_range(*src, next - 2, 2);
      },
      2);
  for (int64_t start = 0; start < 6; start += 2) {
    const auto b = ahead.next();
    REQUIRE(b);
    CHECK(b->rows.front() == start);
  }
  CHECK_THROWS_WITH(ahead.next(), "bad example 6");
}

TEST_CASE("Prefetcher runs at most depth batches ahead and stops when dropped", "[data][prefetch]") {
  std::atomic<int> made{0};
  auto src = counting_source(4);
  {
    data::Prefetcher ahead(
        [&]() -> std::optional<data::HostBatch> {
          ++made;
          return data::collate_range(*src, 0, 1);
        },
        3);
    REQUIRE(ahead.next());
    for (int i = 0; i < 200 && made < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(made == 4);  // the one taken and three ahead
  }
  CHECK(made == 4);  // the destructor stopped it without making more
}

// A tensor Value over `bytes` (compact, row-major), as the torch file reader hands it.
torchfile::Value tensor_value(DLDataType dtype, std::vector<int64_t> shape, const std::vector<uint8_t>& bytes) {
  torchfile::Value v;
  v.kind = torchfile::Value::Kind::tensor;
  v.tensor.dtype = dtype;
  v.tensor.strides.assign(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) v.tensor.strides[i - 1] = v.tensor.strides[i] * shape[i];
  v.tensor.shape = std::move(shape);
  v.tensor.storage = bytes.data();
  v.tensor.storage_bytes = bytes.size();
  return v;
}

torchfile::Value str_key(const std::string& s) {
  torchfile::Value v;
  v.kind = torchfile::Value::Kind::string;
  v.string = s;
  return v;
}

TEST_CASE("tensors_source: a flat dict of tensors, refusing anything else by entry name", "[data][tensors]") {
  const std::vector<uint8_t> xs = bytes_of<float>({1, 2, 3, 4}), ys = bytes_of<int64_t>({5, 6}),
                             zs = bytes_of<int64_t>({1, 2, 3});
  torchfile::Value root;
  root.kind = torchfile::Value::Kind::dict;
  root.entries.emplace_back(str_key("x"), tensor_value(data::kFloat32, {2, 2}, xs));
  root.entries.emplace_back(str_key("y"), tensor_value(data::kInt64, {2}, ys));
  auto src = data::tensors_source("d.pt", root, nullptr);
  CHECK(src->size() == 2);
  CHECK(read_all<float>(*src, "x") == std::vector<float>{1, 2, 3, 4});
  CHECK(read_all<int64_t>(*src, "y") == std::vector<int64_t>{5, 6});

  // A transposed view reads row-major.
  torchfile::Value transposed = root;
  transposed.entries[0].second.tensor.strides = {1, 2};
  CHECK(read_all<float>(*data::tensors_source("d.pt", transposed, nullptr), "x") == std::vector<float>{1, 3, 2, 4});

  auto with = [&](const std::string& key, torchfile::Value value) {
    torchfile::Value t = root;
    t.entries.emplace_back(str_key(key), std::move(value));
    return t;
  };
  torchfile::Value three;
  three.kind = torchfile::Value::Kind::integer;
  three.integer = 3;
  CHECK_THROWS_WITH(data::tensors_source("d.pt", with("epoch", three), nullptr),
                    Contains("d.pt: entry \"epoch\" is not a tensor (it holds an int)"));
  torchfile::Value nested;
  nested.kind = torchfile::Value::Kind::dict;
  CHECK_THROWS_WITH(data::tensors_source("d.pt", with("more", nested), nullptr), Contains("\"more\" is a nested dict"));
  CHECK_THROWS_WITH(data::tensors_source("d.pt", with("s", tensor_value(data::kInt64, {}, ys)), nullptr),
                    Contains("\"s\" is a 0-d tensor"));
  CHECK_THROWS_WITH(data::tensors_source("d.pt", with("z", tensor_value(data::kInt64, {3}, zs)), nullptr),
                    Contains("field \"z\" has 3 examples but field \"x\" has 2"));
  CHECK_THROWS_WITH(data::tensors_source("d.pt", three, nullptr), Contains("d.pt holds an int; the tensors format reads"));
}

}  // namespace
}  // namespace trainkit::testing
