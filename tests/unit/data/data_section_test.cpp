// runtime/manifest/data_section: [data] per format, the keys each format reads, and where paths point.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "manifest/manifest.h"

namespace trainkit::testing {
namespace {

Manifest parse(const std::string& text) { return parse_manifest(text, "/srv/run/manifest.toml"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("[data] keeps today's idx defaults", "[data][manifest]") {
  const Manifest m = parse("");
  CHECK(m.data.format == "idx");
  CHECK(m.data.root == "/usr/share/datasets/fashion-mnist");
  CHECK(m.data.train == "train");
  CHECK(m.data.validation == "t10k");
  CHECK(m.data.prefetch == 2);
  CHECK(m.data.validation_split == 0);
}

TEST_CASE("[data] paths of file formats are relative to root, itself relative to the manifest", "[data][manifest]") {
  Manifest m = parse("[data]\nformat = \"npz\"\ntrain = \"d/train.npz\"\nvalidation = \"/abs/val.npz\"\n");
  CHECK(m.data.root == "/srv/run");
  CHECK(m.data.train == "/srv/run/d/train.npz");
  CHECK(m.data.validation == "/abs/val.npz");
  m = parse("[data]\nformat = \"tensors\"\nroot = \"data\"\ntrain = \"train.pt\"\n");
  CHECK(m.data.train == "/srv/run/data/train.pt");
  CHECK(m.data.validation.empty());  // no validation unless given
  m = parse("[data]\nformat = \"npy\"\ntrain = \"t\"\nvalidation_split = 0.2\nprefetch = 0\n");
  CHECK(m.data.validation_split == 0.2);
  CHECK(m.data.prefetch == 0);
  m = parse("[data]\nvalidation_split = 0.1\n");  // idx too: the default validation stem gives way
  CHECK(m.data.validation.empty());
}

TEST_CASE("[data] csv fields, dtypes and image_folder size reach DataConfig", "[data][manifest]") {
  const Manifest m = parse(
      "[data]\nformat = \"csv\"\ntrain = \"t.csv\"\n"
      "[data.fields]\nlabel = \"kind\"\nx = [\"a\", \"b\"]\n"
      "image = { columns = [\"p0\", \"p1\", \"p2\", \"p3\"], shape = [1, 2, 2] }\n"
      "[data.dtypes]\nlabel = \"int64\"\n");
  REQUIRE(m.data.fields.size() == 3);
  CHECK(m.data.fields[0].field == "label");
  CHECK(m.data.fields[0].shape.empty());
  CHECK(m.data.fields[1].columns == std::vector<std::string>{"a", "b"});
  CHECK(m.data.fields[1].shape == std::vector<int64_t>{2});
  CHECK(m.data.fields[2].shape == std::vector<int64_t>{1, 2, 2});
  CHECK(m.data.dtypes == std::vector<std::pair<std::string, std::string>>{{"label", "int64"}});
  const Manifest img = parse("[data]\nformat = \"image_folder\"\ntrain = \"imgs\"\nsize = [32, 24]\nchannels = 1\n");
  CHECK(img.data.size == std::vector<int64_t>{32, 24});
  CHECK(img.data.channels == 1);
}

TEST_CASE("[data] plugin: the class and its options table", "[data][manifest]") {
  const Manifest m = parse("[data]\nformat = \"plugin\"\nplugin = \"spirals\"\n[data.options]\nturns = 3\n");
  CHECK(m.data.plugin == "spirals");
  CHECK(m.data.train == "train");
  REQUIRE(m.data.options.size() == 1);
  CHECK(m.data.options[0].first == "turns");
  CHECK(m.data.options[0].second.i == 3);
}

TEST_CASE("[data] refuses keys of another format, missing files and bad values, placed", "[data][manifest]") {
  CHECK(error_of("[data]\nformat = \"npzz\"\n") ==
        "/srv/run/manifest.toml:2:10: data.format: \"npzz\" is not one of \"idx\", \"tensors\", \"npz\", \"npy\", \"csv\", "
        "\"image_folder\", \"plugin\" (did you mean \"npz\"?)");
  CHECK(error_of("[data]\nsize = [3, 3]\n") == "/srv/run/manifest.toml:2:8: data.size: applies only to format \"image_folder\", not \"idx\"");
  CHECK(error_of("[data]\nformat = \"npz\"\n") == "/srv/run/manifest.toml:1:1: data: format \"npz\" needs data.train, the training file");
  CHECK(error_of("[data]\nformat = \"plugin\"\n") ==
        "/srv/run/manifest.toml:1:1: data: format \"plugin\" needs data.plugin, the dataset class to use");
  CHECK(error_of("[data]\nvalidation_split = 1.5\n") ==
        "/srv/run/manifest.toml:2:20: data.validation_split: must be between 0 and 1 (the fraction of the training examples "
        "that validates)");
  CHECK(error_of("[data]\nvalidation = \"v\"\nvalidation_split = 0.1\n") ==
        "/srv/run/manifest.toml:3:20: data.validation_split: cannot be used together with data.validation (one validation split "
        "only)");
  CHECK(error_of("[data]\nprefetch = -1\n") ==
        "/srv/run/manifest.toml:2:12: data.prefetch: must be between 0 (no background thread) and 64");
  CHECK(error_of("[data]\nformat = \"csv\"\ntrain = \"t.csv\"\n[data.fields]\nx = { columns = [\"a\", \"b\"], shape = [3] }\n") ==
        "/srv/run/manifest.toml:5:37: data.fields.x.shape: must hold as many numbers as there are columns (2)");
  CHECK(error_of("[data]\nformat = \"csv\"\ntrain = \"t.csv\"\n[data.dtypes]\nx = \"float16\"\n")
            .find("data.dtypes.x: \"float16\" is not one of") != std::string::npos);
}

}  // namespace
}  // namespace trainkit::testing
