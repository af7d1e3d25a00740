// runtime/data/plugin_dataset and the registry's dataset classes, on the sample plugin "bars"
// (<build>/fixtures/datasets/bars.so) and on hand-made class structs for the refusals.
#include "data/plugin_dataset.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "data_fixtures.h"
#include "plugin/entry_checks.h"
#include "state/memory_tree.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

const tk_host* test_host() {
  static const tk_host host{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "trainkit-test", "0.0.0", nullptr,
                            [](const tk_host*, const char*) -> const void* { return nullptr; }};
  return &host;
}

DataConfig bars_config(int64_t seed) {
  DataConfig c;
  c.format = "plugin";
  c.plugin = "bars";
  c.train = "train";
  c.validation = "validation";
  OptionValue examples;
  examples.kind = OptionValue::Kind::kInt;
  examples.i = 30;
  OptionValue seed_value = examples;
  seed_value.i = seed;
  c.options = {{"examples", examples}, {"seed", seed_value}};
  return c;
}

struct Loaded {
  PluginRegistry registry{test_host()};
  Loaded() {
    registry.load_dir(std::string(TK_BINARY_DIR) + "/fixtures/datasets");
    for (const auto& r : registry.refused()) FAIL(r.path << ": " << r.reason);
  }
};

TEST_CASE("the registry loads a plugin of dataset classes only and finds the class", "[data][plugin]") {
  Loaded l;
  REQUIRE(l.registry.loaded().size() == 1);
  CHECK(l.registry.loaded()[0].classes.empty());
  CHECK(l.registry.dataset_names() == std::vector<std::string>{"bars"});
  const LoadedPlugin* owner = nullptr;
  REQUIRE(l.registry.find_dataset("bars", &owner) != nullptr);
  CHECK(owner->id == "org.example.bars");
  CHECK(l.registry.find_dataset("barz") == nullptr);
  CHECK(l.registry.find_class("bars") == nullptr);
}

TEST_CASE("a plugin dataset: fields, size, examples as a pure function of split and index", "[data][plugin]") {
  Loaded l;
  data::Splits s = data::open_plugin_splits(bars_config(0), l.registry, test_host(), "");
  REQUIRE(s.train->size() == 30);
  REQUIRE(s.train->fields().size() == 2);
  CHECK(s.train->fields()[0].name == "image");
  CHECK(s.train->fields()[0].shape == std::vector<int64_t>{1, 8, 8});
  CHECK(data::dtype_text(s.train->fields()[1].dtype) == "int64");
  CHECK(s.train->origin() == "dataset \"bars\" (train)");
  const std::vector<int64_t> labels = read_all<int64_t>(*s.train, "label");
  CHECK(std::all_of(labels.begin(), labels.end(), [](int64_t v) { return v >= 0 && v < 3; }));
  CHECK(std::set<int64_t>(labels.begin(), labels.end()).size() == 3);
  CHECK(read_all<float>(*s.train, "image") == read_all<float>(*s.train, "image"));  // the same twice
  CHECK(read_all<float>(*s.train, "image") != read_all<float>(*s.validation, "image"));
  // read_rows in any order gives what read gives for each row.
  const int64_t rows[] = {7, 3};
  std::vector<float> image(2 * 64);
  std::vector<int64_t> label(2);
  s.train->read_rows(rows, 2, {reinterpret_cast<uint8_t*>(image.data()), reinterpret_cast<uint8_t*>(label.data())});
  CHECK(label == std::vector<int64_t>{labels[7], labels[3]});
}

TEST_CASE("a plugin dataset's state: a header, the class's state, and refusals", "[data][plugin]") {
  Loaded l;
  data::Splits s = data::open_plugin_splits(bars_config(4), l.registry, test_host(), "");
  state::MemoryTree tree;
  {
    state::MemorySaver saver(tree);
    s.train->save_state(saver);
  }
  CHECK(*state::find_leaf<std::string>(tree, "header/plugin_id") == "org.example.bars");
  CHECK(*state::find_leaf<int64_t>(tree, "header/state_version") == 1);
  CHECK(*state::find_leaf<int64_t>(tree, "state/seed") == 4);
  {
    state::MemoryLoader loader(tree);
    CHECK_NOTHROW(s.validation->load_state(loader));
  }
  data::Splits other = data::open_plugin_splits(bars_config(5), l.registry, test_host(), "");
  {
    state::MemoryLoader loader(tree);
    CHECK_THROWS_WITH(other.train->load_state(loader),
                      Contains("dataset \"bars\" (train): visit_state (load)") && Contains("seed 4") &&
                          Contains("resume with the same [data.options]"));
  }
  state::MemoryTree foreign = tree;
  foreign.leaves["header/plugin_id"] = std::string("org.example.other");
  state::MemoryLoader loader(foreign);
  CHECK_THROWS_WITH(s.train->load_state(loader), Contains("state of org.example.other") && Contains("resume with the plugin"));
  state::MemoryTree empty;
  state::MemoryLoader none(empty);
  CHECK_NOTHROW(s.train->load_state(none));  // a snapshot from before the dataset: as created
}

TEST_CASE("open_plugin_splits refuses an unknown class and bad options, placed", "[data][plugin]") {
  Loaded l;
  DataConfig c = bars_config(0);
  c.pos = SourcePos{"m.toml", 9, 1};
  c.plugin = "barz";
  CHECK_THROWS_WITH(data::open_plugin_splits(c, l.registry, test_host(), ""),
                    "m.toml:9:1: data.plugin: no dataset class \"barz\" is loaded (did you mean \"bars\"?) (loaded: bars)");
  c = bars_config(0);
  c.options[0].first = "examplez";
  CHECK_THROWS_WITH(data::open_plugin_splits(c, l.registry, test_host(), ""),
                    Contains("data.options: unknown option \"examplez\" (did you mean \"examples\"?)"));
  c = bars_config(0);
  c.options[0].second.i = -1;
  CHECK_THROWS_WITH(data::open_plugin_splits(c, l.registry, test_host(), ""),
                    "dataset \"bars\" (train): create failed: examples must be > 0, got -1");
}

TEST_CASE("check_dataset_class refuses a class that cannot be used, naming it", "[data][plugin]") {
  Loaded l;
  const tk_dataset_class good = *l.registry.find_dataset("bars");
  CHECK_FALSE(check_dataset_class(&good, 0));
  CHECK(*check_dataset_class(nullptr, 2) == "get_dataset_class(2) returned NULL");
  auto refused = [&](auto change, const std::string& why) {
    tk_dataset_class c = good;
    change(c);
    const auto reason = check_dataset_class(&c, 0);
    REQUIRE(reason);
    CHECK_THAT(*reason, Contains(why));
  };
  refused([](tk_dataset_class& c) { c.struct_size = 40; }, "has struct_size 40, smaller than SDK 1.2's 96");
  refused([](tk_dataset_class& c) { c.name = ""; }, "dataset class #0 has no name");
  refused([](tk_dataset_class& c) { c.read_example = nullptr; }, "dataset class \"bars\" has no read_example function");
  refused([](tk_dataset_class& c) { c.describe = nullptr; }, "has no describe function");
  refused([](tk_dataset_class& c) { c.visit_state = nullptr; }, "has state_version 1 but no visit_state function");
  refused([](tk_dataset_class& c) { c.oldest_state_version = 3; }, "oldest_state_version 3 > state_version 1");
}

}  // namespace
}  // namespace trainkit::testing
