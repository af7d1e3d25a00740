// `trainkit inspect`'s views of a state tree.
#include <catch2/catch.hpp>
#include <trainkit/sdk/json.hpp>

#include "state/describe.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
using Catch::Matchers::Contains;

TEST_CASE("describe_tree_text indents scopes and shows types, shapes and values", "[state][describe]") {
  state::MemoryTree tree;
  tree.leaves["trainer/iteration"] = int64_t{1200};
  tree.leaves["trainer/stop_trigger/previous_epoch_detail"] = 2.5;
  tree.leaves["trainer/done"] = false;
  tree.leaves["model/0.weight"] = float_tensor({3, 4}, 0.0f);
  tree.leaves["meta/manifest"] = std::string(100, 'x') + "\n";
  tree.leaves["meta/note"] = std::string("a\tb");
  tree.leaves["updater/rng"] = std::vector<uint8_t>(5056);
  tree.leaves["top"] = 1e-05;

  CHECK(state::describe_tree_text(tree) ==
        "meta/\n"
        "  manifest: string = \"" + std::string(60, 'x') + "\"... (101 bytes)\n"
        "  note: string = \"a\\tb\"\n"
        "model/\n"
        "  0.weight: float32 [3, 4] (48 bytes)\n"
        "top: float64 = 1e-05\n"
        "trainer/\n"
        "  done: bool = false\n"
        "  iteration: int64 = 1200\n"
        "  stop_trigger/\n"
        "    previous_epoch_detail: float64 = 2.5\n"
        "updater/\n"
        "  rng: bytes (5056 bytes)\n");
}

TEST_CASE("dtype names follow torch's", "[state][describe]") {
  CHECK(state::dtype_name(f32()) == "float32");
  CHECK(state::dtype_name(i64()) == "int64");
  CHECK(state::dtype_name(u8()) == "uint8");
  CHECK(state::dtype_name(dt(kDLBfloat, 16)) == "bfloat16");
  CHECK(state::dtype_name(dt(kDLFloat, 16)) == "float16");
  CHECK(state::dtype_name(dt(kDLComplex, 64)) == "complex64");
  CHECK(state::dtype_name(DLDataType{6, 8, 1}) == "bool");
  CHECK(state::dtype_name(DLDataType{kDLFloat, 32, 4}) == "float32x4");
  CHECK(state::dtype_name(DLDataType{42, 8, 1}) == "dtype(42,8,1)");
}

TEST_CASE("describe_tree_json is one parseable document with the header fields first", "[state][describe]") {
  state::MemoryTree tree = sample_tree();
  std::string text =
      state::describe_tree_json(tree, "\"format\": \"trainkit\", \"checksum_ok\": true, \"bytes\": 1234");
  tk::json::Value doc = tk::json::parse(text);
  REQUIRE(doc.is_object());
  CHECK(doc.key(0) == "format");
  CHECK(doc.find("format")->as_string() == "trainkit");
  CHECK(doc.find("checksum_ok")->as_bool());
  CHECK(doc.find("bytes")->as_int() == 1234);
  const tk::json::Value& entries = *doc.find("entries");
  REQUIRE(entries.size() == tree.leaves.size());

  auto entry = [&](const std::string& path) -> const tk::json::Value& {
    for (size_t i = 0; i < entries.size(); ++i)
      if (entries.at(i).find("path")->as_string() == path) return entries.at(i);
    FAIL("no entry " << path);
    return entries;
  };
  const auto& weight = entry("model/main/0.weight");
  CHECK(weight.find("type")->as_string() == "tensor");
  CHECK(weight.find("dtype")->as_string() == "float32");
  CHECK(weight.find("shape")->size() == 2);
  CHECK(weight.find("shape")->at(1).as_int() == 4);
  CHECK(weight.find("bytes")->as_int() == 48);
  CHECK(entry("trainer/iteration").find("value")->as_int() == 1200);
  CHECK(entry("trainer/elapsed_time").find("value")->as_double() == 12.5);
  CHECK(entry("trainer/done").find("value")->as_bool());
  CHECK(entry("trainer/best").find("value")->as_string() == "-Infinity");  // strict JSON has no -Infinity
  CHECK(entry("trainer/stop_trigger/best_value").find("value")->as_string() == "NaN");
  CHECK_THAT(entry("meta/manifest").find("value")->as_string(), Catch::StartsWith("[trainer]\nstop = \"10 epoch\"\n"));
  CHECK(entry("updater/rng").find("bytes")->as_int() == 6);
  CHECK_THAT(text, !Contains("Infinity,") && !Contains(": NaN"));
}

TEST_CASE("describe_tree_json of an empty tree", "[state][describe]") {
  CHECK(state::describe_tree_json(state::MemoryTree{}) == "{\n  \"entries\": []\n}");
  CHECK(state::describe_tree_json(state::MemoryTree{}, "\"ok\": false") == "{\n  \"ok\": false,\n  \"entries\": []\n}");
}
