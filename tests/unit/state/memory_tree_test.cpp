// The in-memory state tree: memory visitors with every leaf type, strict loading, tree surgery.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "state/memory_tree.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
using Catch::Matchers::Contains;

namespace {

// A stateful part with one of everything, visited the way host parts are.
struct Part {
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string s;
  std::vector<uint8_t> bytes;
  std::vector<float> weight = std::vector<float>(6, 0.0f);
  std::vector<int64_t> weight_shape{2, 3};

  void visit(state::Visitor& v) {
    v.value("i", i);
    v.scope("inner", [&] {
      v.value("d", d);
      v.value("b", b);
      v.scope("deeper", [&] { v.value("s", s); });
    });
    v.bytes("bytes", bytes);
    DLTensor t = view(weight.data(), f32(), weight_shape);
    v.tensor("weight", t);
  }
};

Part filled_part() {
  Part p;
  p.i = -42;
  p.d = 3.25;
  p.b = true;
  p.s = "hello";
  p.bytes = {1, 2, 3};
  p.weight = {1, 2, 3, 4, 5, 6};
  return p;
}

}  // namespace

TEST_CASE("memory visitors round trip every leaf type", "[state][memory]") {
  Part saved = filled_part();
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  saved.visit(saver);

  CHECK(tree.leaves.size() == 6);
  CHECK(std::get<int64_t>(tree.leaves.at("i")) == -42);
  CHECK(std::get<std::string>(tree.leaves.at("inner/deeper/s")) == "hello");
  const auto& w = std::get<state::TensorLeaf>(tree.leaves.at("weight"));
  CHECK(w.shape == std::vector<int64_t>{2, 3});
  CHECK(w.data.size() == 24);

  Part loaded;
  state::MemoryLoader loader(tree);
  loaded.visit(loader);
  CHECK(loaded.i == saved.i);
  CHECK(loaded.d == saved.d);
  CHECK(loaded.b == saved.b);
  CHECK(loaded.s == saved.s);
  CHECK(loaded.bytes == saved.bytes);
  CHECK(loaded.weight == saved.weight);
}

TEST_CASE("a missing key leaves the value alone and returns false", "[state][memory]") {
  state::MemoryTree empty;
  state::MemoryLoader loader(empty);
  int64_t i = 7;
  std::vector<float> w(2, 9.0f);
  std::vector<int64_t> shape{2};
  DLDataType dtype{};
  std::vector<int64_t> saved_shape;
  CHECK_FALSE(loader.value("i", i));
  CHECK_FALSE(loader.tensor("w", view(w.data(), f32(), shape)));
  CHECK_FALSE(loader.tensor_info("w", dtype, saved_shape));
  CHECK(i == 7);
  CHECK(w == std::vector<float>(2, 9.0f));
}

TEST_CASE("tensor_info gives the saved dtype and shape so the caller can allocate", "[state][memory]") {
  state::MemoryTree tree;
  tree.leaves["s/t"] = float_tensor({2, 5}, 1.0f);
  state::MemoryLoader loader(tree);
  DLDataType dtype{};
  std::vector<int64_t> shape;
  loader.enter("s");
  REQUIRE(loader.tensor_info("t", dtype, shape));
  CHECK(state::same_dtype(dtype, f32()));
  CHECK(shape == std::vector<int64_t>{2, 5});
  std::vector<float> out(10);
  REQUIRE(loader.tensor("t", view(out.data(), dtype, shape)));
  CHECK(out[9] == 1.0f + 0.5f * 9);

  state::MemoryTree ignored;
  state::MemorySaver saver(ignored);
  CHECK_FALSE(saver.tensor_info("t", dtype, shape));  // SAVE mode: nothing to describe
}

TEST_CASE("a tensor of another shape or dtype is refused with both shapes", "[state][memory]") {
  state::MemoryTree tree;
  tree.leaves["model/0.weight"] = float_tensor({3, 4}, 0.0f);
  state::MemoryLoader loader(tree);
  loader.enter("model");
  std::vector<float> buf(12);

  std::vector<int64_t> transposed{4, 3};
  CHECK_THROWS_MATCHES(loader.tensor("0.weight", view(buf.data(), f32(), transposed)), ResumeError,
                       Catch::Matchers::Message(
                           "state key 'model/0.weight': the snapshot has a float32 [3, 4] tensor, this run "
                           "expects float32 [4, 3]"));
  std::vector<int64_t> same{3, 4};
  std::vector<int32_t> ints(12);
  CHECK_THROWS_WITH(loader.tensor("0.weight", view(ints.data(), dt(kDLInt, 32), same)),
                    Contains("float32 [3, 4]") && Contains("int32 [3, 4]"));
  CHECK(buf == std::vector<float>(12, 0.0f));  // nothing copied on a refusal
}

TEST_CASE("types are strict on load, except bytes from a 1-d uint8 tensor", "[state][memory]") {
  state::MemoryTree tree;
  tree.leaves["n"] = 1.0;
  tree.leaves["flag"] = int64_t{1};
  tree.leaves["w"] = float_tensor({2}, 0.0f);
  state::TensorLeaf rng;
  rng.dtype = u8();
  rng.shape = {3};
  rng.data = {7, 8, 9};
  tree.leaves["rng"] = rng;
  state::TensorLeaf matrix = rng;
  matrix.shape = {1, 3};
  tree.leaves["matrix"] = matrix;
  state::MemoryLoader loader(tree);

  int64_t i = 0;
  CHECK_THROWS_AS(loader.value("n", i), ResumeError);
  CHECK_THROWS_WITH(loader.value("n", i), "state key 'n' holds float64 in the snapshot; this run reads it as int64");
  bool b = false;
  CHECK_THROWS_AS(loader.value("flag", b), ResumeError);
  std::vector<uint8_t> bytes;
  CHECK_THROWS_AS(loader.bytes("w", bytes), ResumeError);
  CHECK_THROWS_AS(loader.bytes("matrix", bytes), ResumeError);
  DLDataType dtype{};
  std::vector<int64_t> shape;
  CHECK_THROWS_AS(loader.tensor_info("n", dtype, shape), ResumeError);

  REQUIRE(loader.bytes("rng", bytes));
  CHECK(bytes == std::vector<uint8_t>{7, 8, 9});
}

TEST_CASE("saving a tensor needs contiguous host memory", "[state][memory]") {
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  std::vector<float> data(6, 1.0f);
  std::vector<int64_t> shape{2, 3};

  SECTION("compact strides are accepted, size-1 dimensions may have any stride") {
    int64_t compact[2] = {3, 1};
    DLTensor t = view(data.data(), f32(), shape);
    t.strides = compact;
    CHECK(saver.tensor("a", t));
    std::vector<int64_t> column{6, 1};
    int64_t odd[2] = {1, 99};
    DLTensor c = view(data.data(), f32(), column);
    c.strides = odd;
    CHECK(saver.tensor("b", c));
  }
  SECTION("transposed strides are refused") {
    int64_t transposed[2] = {1, 2};
    DLTensor t = view(data.data(), f32(), shape);
    t.strides = transposed;
    CHECK_THROWS_WITH(saver.tensor("t", t), Contains("'t'") && Contains("not contiguous"));
  }
  SECTION("device memory is refused") {
    DLTensor t = view(data.data(), f32(), shape);
    t.device = {kDLCUDA, 0};
    CHECK_THROWS_WITH(saver.tensor("t", t), Contains("only host tensors"));
  }
  SECTION("byte_offset is honoured") {
    std::vector<int64_t> one{1};
    data[2] = 5.0f;
    DLTensor t = view(data.data(), f32(), one);
    t.byte_offset = 2 * sizeof(float);
    REQUIRE(saver.tensor("o", t));
    float v = 0;
    std::memcpy(&v, std::get<state::TensorLeaf>(tree.leaves.at("o")).data.data(), 4);
    CHECK(v == 5.0f);
  }
}

TEST_CASE("child_scopes lists direct child scopes only", "[state][memory]") {
  state::MemoryTree tree = sample_tree();
  tree.leaves["extensions/snapshot/n"] = int64_t{1};
  tree.leaves["extensions/plot/state/x"] = int64_t{2};
  tree.leaves["extensions/plot/version"] = int64_t{3};
  tree.leaves["extensions/top_level_key"] = int64_t{4};
  tree.leaves["extensionsX/a/b"] = int64_t{5};

  CHECK(state::child_scopes(tree, "extensions/") == std::vector<std::string>{"plot", "snapshot"});
  CHECK(state::child_scopes(tree, "extensions") == std::vector<std::string>{"plot", "snapshot"});
  CHECK(state::child_scopes(tree, "extensions/plot") == std::vector<std::string>{"state"});
  CHECK(state::child_scopes(tree, "") ==
        std::vector<std::string>{"extensions", "extensionsX", "meta", "model", "optimizer", "trainer", "updater"});
  CHECK(state::child_scopes(tree, "nothing/").empty());
}

TEST_CASE("subtree and graft carry a scope forward unchanged", "[state][memory]") {
  state::MemoryTree previous;
  previous.leaves["extensions/plot/header/plugin_id"] = std::string("org.trainkit.plot");
  previous.leaves["extensions/plot/points"] = float_tensor({3}, 1.0f);
  previous.leaves["extensions/plotter/x"] = int64_t{9};  // a sibling sharing the name's prefix
  previous.leaves["trainer/iteration"] = int64_t{100};

  state::MemoryTree plot = state::subtree(previous, "extensions/plot");
  REQUIRE(plot.leaves.size() == 2);
  CHECK(plot.leaves.count("header/plugin_id") == 1);
  CHECK(plot.leaves.count("points") == 1);

  state::MemoryTree next;
  next.leaves["trainer/iteration"] = int64_t{200};
  next.leaves["extensions/plot/stale"] = int64_t{1};  // replaced, not merged
  next.leaves["extensions/plotter/x"] = int64_t{10};
  state::graft(next, previous, "extensions/plot");

  CHECK(next.leaves.size() == 4);
  CHECK(next.leaves.count("extensions/plot/stale") == 0);
  CHECK(same_tree(state::subtree(next, "extensions/plot/"), plot));
  CHECK(std::get<int64_t>(next.leaves.at("extensions/plotter/x")) == 10);
  CHECK(std::get<int64_t>(next.leaves.at("trainer/iteration")) == 200);
}

TEST_CASE("replay feeds a captured tree to another saver unchanged", "[state][memory]") {
  state::MemoryTree tree = sample_tree();
  state::MemoryTree copy;
  state::MemorySaver saver(copy);
  state::replay(tree, saver);
  CHECK(same_tree(tree, copy));
}
