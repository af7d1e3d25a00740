// runtime/torch/train_data: the data of a session as batches of named tensors, over every format's source;
// prefetching that changes no batch, before or after a resume of the epoch order.
#include "torch/train_data.h"

#include <catch2/catch.hpp>

#include <ATen/ops/equal.h>

#include "core/error.h"
#include "state/memory_tree.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

DataConfig idx_config(const TempDir& dir, int64_t prefetch) {
  write_tiny_split(dir.path(), "tiny", 50);
  DataConfig c;
  c.root = dir.path().string();
  c.train = "tiny";
  c.validation = "";
  c.prefetch = prefetch;
  return c;
}

void require_same(const Batch& a, const Batch& b) {
  REQUIRE(a.size == b.size);
  for (const auto& [name, t] : a.fields) {
    INFO(name);
    CHECK(at::equal(t, b.at(name)));
  }
}

TEST_CASE("TrainData: named fields with dtypes and shapes; batches of tensors over the source", "[torch][data]") {
  TempDir dir;
  TrainData data(idx_config(dir, 0), 0);
  REQUIRE(data.fields().size() == 2);
  CHECK(data.has_field("image"));
  CHECK_FALSE(data.has_field("x"));
  CHECK(data.example_shape("image") == std::vector<int64_t>{1, 28, 28});
  CHECK(data.label_classes() == 10);
  CHECK_THROWS_WITH(data.example_shape("imgae"), Contains("no field \"imgae\"") && Contains("did you mean \"image\""));
  CHECK_THROWS_WITH(data.label_classes("image"), Contains("not integer class labels"));
  const Batch b = data.next_train_batch(16);
  CHECK(b.size == 16);
  CHECK(b.at("image").sizes() == at::IntArrayRef({16, 1, 28, 28}));
  CHECK(b.at("image").scalar_type() == at::kFloat);
  CHECK(b.at("label").scalar_type() == at::kLong);
  CHECK(b.at("image").max().item<float>() == 1.0f);
  int64_t seen = 0;
  data.for_each_batch("train", 20, [&](const Batch& batch) {
    CHECK(batch.at("label")[0].item<int64_t>() == seen % 10);  // in file order
    seen += batch.size;
  });
  CHECK(seen == 50);
}

TEST_CASE("prefetch gives the batches of no prefetch, across epochs and batch sizes", "[torch][data][prefetch]") {
  TempDir a, b;
  TrainData plain(idx_config(a, 0), 3), ahead(idx_config(b, 4), 3);
  for (int i = 0; i < 9; ++i) require_same(plain.next_train_batch(16), ahead.next_train_batch(16));  // 3 epochs
  for (int i = 0; i < 3; ++i) require_same(plain.next_train_batch(7), ahead.next_train_batch(7));
  int64_t n = 0;
  ahead.for_each_batch("train", 12, [&](const Batch& batch) { n += batch.size; });
  CHECK(n == 50);
}

TEST_CASE("the saved order is the consumer's: a resume with prefetch continues with the same batches", "[torch][data][prefetch]") {
  TempDir a, b;
  TrainData straight(idx_config(a, 3), 1), resumed(idx_config(b, 3), 1);
  for (int i = 0; i < 5; ++i) straight.next_train_batch(8);  // mid-epoch 1 (7 batches per epoch)
  state::MemoryTree tree;
  {
    state::MemorySaver saver(tree);
    straight.save_order(saver);
  }
  resumed.next_train_batch(8);  // its producer ran ahead from another position; the load must drop that
  state::MemoryLoader loader(tree);
  resumed.apply_order(resumed.read_order(loader));
  for (int i = 0; i < 12; ++i) require_same(straight.next_train_batch(8), resumed.next_train_batch(8));
}

TEST_CASE("TrainData over a validation_split: seeded parts of one source", "[torch][data]") {
  TempDir dir;
  DataConfig c = idx_config(dir, 2);
  c.validation_split = 0.2;
  TrainData data(c, 0);
  CHECK(data.train_size() == 40);
  CHECK(data.split_size("validation") == 10);
  CHECK(data.describe() == "40 train / 10 validation examples");
}

TEST_CASE("format tensors: a torch.save dict of any dtypes becomes fields", "[torch][data][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const auto r = run_python(
      "import sys, torch\n"
      "torch.save({'x': torch.arange(12, dtype=torch.float64).reshape(6, 2), 'y': torch.arange(6, dtype=torch.int32),"
      " 'mask': torch.tensor([True, False] * 3)}, sys.argv[1])\n",
      {dir / "d.pt"});
  REQUIRE(r.exit_code == 0);
  DataConfig c;
  c.format = "tensors";
  c.train = dir / "d.pt";
  c.validation = "";
  TrainData data(c, 0);
  const Batch b = data.next_train_batch(6);
  CHECK(b.at("x").scalar_type() == at::kDouble);
  CHECK(b.at("x").sizes() == at::IntArrayRef({6, 2}));
  CHECK(b.at("y").scalar_type() == at::kInt);
  CHECK(b.at("mask").scalar_type() == at::kBool);
  CHECK(b.at("x").sum().item<double>() == 66.0);
  CHECK(data.label_classes("y") == 6);

  write_plain(dir / "bad.pt", {'P', 'K', 3, 4, 1, 2});
  c.train = dir / "bad.pt";
  c.pos = SourcePos{"m.toml", 4, 1};
  CHECK_THROWS_AS(TrainData(c, 0), ConfigError);
  CHECK_THROWS_WITH(TrainData(c, 0), Contains("m.toml:4:1: data.train: ") && Contains("bad.pt"));
}

TEST_CASE("a field LibTorch has no type for is refused, named", "[torch][data]") {
  TempDir dir;
  std::vector<uint8_t> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  std::string header = "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  npy.push_back(static_cast<uint8_t>(header.size()));
  npy.push_back(0);
  npy.insert(npy.end(), header.begin(), header.end());
  npy.insert(npy.end(), {1, 0, 2, 0});
  fs::create_directories(dir.path() / "t");
  write_plain(dir / "t/z.npy", npy);
  DataConfig c;
  c.format = "npy";
  c.train = dir / "t";
  c.validation = "";
  CHECK_THROWS_WITH(TrainData(c, 0), Contains("field \"z\" is uint16, which LibTorch has no tensor type for"));
}

}  // namespace
}  // namespace trainkit::testing
