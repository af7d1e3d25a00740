// A dataset plugin through `trainkit run`: the sample "bars" (samples/dataset_plugin, built in-tree into
// <build>/fixtures/datasets) trains, documents its options, refuses bad ones, and its state resumes
// bit-exactly or refuses a resume with other options, with the plugin's reason.
#include <catch2/catch.hpp>

#include "e2e_support.h"
#include "same_state.h"
#include "state/archive.h"

using namespace tk_test;
using Catch::Contains;

namespace {

const std::string kDatasets = std::string(TK_BINARY_DIR) + "/fixtures/datasets";

std::string bars_manifest(const std::string& stop, const std::string& more_data = "",
                          const std::string& options = "examples = 240\n", const std::string& extensions = "") {
  return "[trainer]\nout = \"result\"\nstop = \"" + stop + "\"\nseed = 5\nthreads = 1\nplugin_dirs = [\"" + kDatasets +
         "\"]\n[model]\nbuiltin = \"mlp\"\nhidden = [16]\n[optimizer]\nname = \"adam\"\nlr = 0.01\n"
         "[[extension]]\nuse = \"evaluator\"\n[[extension]]\nuse = \"log_report\"\n" + extensions +
         "[data]\nformat = \"plugin\"\nplugin = \"bars\"\nbatch_size = 24\n" + more_data +
         "[data.options]\n" + options;
}

}  // namespace

TEST_CASE("a dataset plugin trains and validates on its own splits") {
  TempDir dir;
  write_file(dir.file("m.toml"), bars_manifest("3 epoch", "validation = \"validation\"\n"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("240 train / 240 validation examples"));
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 3);
  CHECK(log[2]["iteration"] == 30);
  CHECK(log[2]["validation/main/accuracy"].get<double>() > 0.6);  // three bar directions are easy to tell apart
}

TEST_CASE("trainkit plugins lists and describes a dataset class") {
  auto table = run_trainkit({"plugins", "--dir", kDatasets});
  CHECK_THAT(table.out, Contains("org.example.bars") && Contains("bars (dataset)"));
  auto r = run_trainkit({"plugins", "--dir", kDatasets, "--describe", "bars"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("format = \"plugin\", plugin = \"bars\"") && Contains("options (in [data.options])") &&
                        Contains("examples") && Contains("default 1200") && Contains("state version:    1"));
}

TEST_CASE("a dataset plugin's options, class and refusals are exit 2 with the reason") {
  TempDir dir;
  auto fails = [&](const std::string& manifest, const std::string& why) {
    INFO(why);
    write_file(dir.file("m.toml"), manifest);
    auto r = run_trainkit({"run", dir.file("m.toml")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(why));
  };
  fails(bars_manifest("1 epoch", "", "examplez = 3\n"),
        "data.options: unknown option \"examplez\" (did you mean \"examples\"?)");
  auto validate = run_trainkit({"validate", dir.file("m.toml")});  // checked before anything runs, too
  CHECK(validate.exit_code == 2);
  CHECK_THAT(validate.err, Contains("unknown option \"examplez\""));
  fails(bars_manifest("1 epoch", "", "examples = \"many\"\n"), "option \"examples\" expects an integer");
  fails(bars_manifest("1 epoch", "", "noise = 2\n"), "dataset \"bars\" (train): create failed: noise must be in 0..1");
  std::string other = bars_manifest("1 epoch");
  other.replace(other.find("plugin = \"bars\""), 15, "plugin = \"barz\"");
  fails(other, "data.plugin: no dataset class \"barz\" is loaded (did you mean \"bars\"?)");
}

TEST_CASE("a dataset plugin's state resumes bit-exactly, and a resume with other options is refused") {
  TempDir straight, resumed;
  const std::string snapshot = "[[extension]]\nuse = \"snapshot\"\ntrigger = \"7 iteration\"\n";
  const std::string split = "validation_split = 0.25\nprefetch = 3\n";
  write_file(straight.file("m.toml"), bars_manifest("20 iteration", split, "examples = 240\n", snapshot));
  write_file(resumed.file("m.toml"), bars_manifest("20 iteration", split, "examples = 240\n", snapshot));
  REQUIRE(run_trainkit({"run", straight.file("m.toml")}).exit_code == 0);
  auto first = run_trainkit({"run", resumed.file("m.toml"), "--set", "trainer.stop=8 iteration"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto second = run_trainkit({"run", resumed.file("m.toml"), "--resume"});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.err, Contains("snapshot_iter_7"));
  const auto a = trainkit::state::read_archive(straight.file("result/snapshot_iter_14"));
  const auto b = trainkit::state::read_archive(resumed.file("result/snapshot_iter_14"));
  CHECK(a.leaves.count("updater/data/train/header/plugin_id") == 1);
  CHECK(a.leaves.count("updater/data/train/state/seed") == 1);
  check_same_leaves(a, b);

  auto refused = run_trainkit({"run", resumed.file("m.toml"), "--resume", "--set", "data.options.seed=9"});
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Contains("dataset \"bars\" (train)") && Contains("the snapshot was trained on bars with seed 0") &&
                              Contains("resume with the same [data.options]"));
}
