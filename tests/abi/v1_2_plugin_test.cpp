// The versioning promise for 1.2 (docs/abi.md): a plugin built against the frozen 1.2 headers loads and runs,
// and what 1.2 added works from plain C: a dataset class trained on, an out-file option whose file lands in
// the output folder (and whose bad names are refused before anything trains), and trainkit.distributed/1,
// which in a run of one process says rank 0 of 1 and whose collectives return at once, and in a run of two
// ranks (`--nproc 2`, c10d + Gloo on 127.0.0.1) sums and broadcasts across them.
#include <catch2/catch.hpp>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

// A run on the plugin's dataset class (32 examples, 4 iterations per epoch), with `extensions` appended.
std::string v1_2_manifest(const std::string& plugins, const std::string& extensions,
                          const std::string& data_options = "examples = 32\n") {
  return "[trainer]\nout = \"result\"\nstop = \"2 epoch\"\nseed = 7\nthreads = 1\n" + plugin_dirs_line(plugins) +
         "\n[model]\nbuiltin = \"mlp\"\nhidden = [8]\n[optimizer]\nname = \"sgd\"\nlr = 0.1\n" + extensions +
         "\n[data]\nformat = \"plugin\"\nplugin = \"abi_v1_2_data\"\nbatch_size = 8\n[data.options]\n" + data_options;
}

}  // namespace

TEST_CASE("a C plugin built against the frozen 1.2 headers loads, with its dataset class and out-file option") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_2_PLUGIN});
  auto list = run_trainkit({"plugins", "--dir", plugins});
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("org.trainkit.test.abi_v1_2") && Contains("1.2") && Contains("abi_v1_2_out_file") &&
                           Contains("abi_v1_2_ranks") && Contains("abi_v1_2_data (dataset)") && !Contains("refused"));

  auto out_file = run_trainkit({"plugins", "--dir", plugins, "--describe", "abi_v1_2_out_file"});
  REQUIRE(out_file.exit_code == 0);
  CHECK_THAT(out_file.out, Contains("file") && Contains("out-file") && Contains("default \"abi_v1_2/seen.txt\""));
  auto data = run_trainkit({"plugins", "--dir", plugins, "--describe", "abi_v1_2_data"});
  REQUIRE(data.exit_code == 0);
  CHECK_THAT(data.out, Contains("plugin = \"abi_v1_2_data\"") && Contains("examples") && Contains("default 32"));
}

TEST_CASE("out-file names that leave the output folder or collide, and bad data options, are refused") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_2_PLUGIN});
  auto validate = [&](const std::string& manifest) {
    write_file(dir.file("m.toml"), manifest);
    return run_trainkit({"validate", dir.file("m.toml")});
  };
  auto escape =
      validate(v1_2_manifest(plugins, "[[extension]]\nuse = \"abi_v1_2_out_file\"\nfile = \"../seen.txt\"\n"));
  CHECK(escape.exit_code == 2);
  CHECK_THAT(escape.err, Contains("m.toml:") && Contains("option \"file\" = \"../seen.txt\" has a \"..\" component"));

  auto twice = validate(v1_2_manifest(plugins, "[[extension]]\nuse = \"abi_v1_2_out_file\"\n"
                                               "[[extension]]\nuse = \"abi_v1_2_out_file\"\n"));
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.err, Contains("can name the same file in the output folder as option \"file\" of extension "
                                 "\"abi_v1_2_out_file\" (\"abi_v1_2/seen.txt\", its default)"));

  auto unknown = validate(v1_2_manifest(plugins, "", "exampels = 32\n"));
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Contains("data.options: unknown option \"exampels\" (did you mean \"examples\"?)"));

  write_file(dir.file("m.toml"), v1_2_manifest(plugins, "", "examples = 0\n"));
  auto none = run_trainkit({"run", dir.file("m.toml")});
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Contains("dataset \"abi_v1_2_data\" (train): create failed: examples must be > 0"));
}

TEST_CASE("a plugin built against the frozen 1.2 headers trains on its dataset, writes its out file, sees rank 0") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_2_PLUGIN});
  write_file(dir.file("m.toml"), v1_2_manifest(plugins, R"(
[[extension]]
use = "abi_v1_2_out_file"

[[extension]]
use = "abi_v1_2_ranks"

[[extension]]
use = "log_report"
)"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("32 train examples"));
  // The host created abi_v1_2/ before the first create; the second epoch's call overwrote the first's.
  CHECK(read_file(dir.file("result/abi_v1_2/seen.txt")) == "iteration 8 epoch 2\n");

  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 2);
  for (const auto& record : log) {
    INFO(record.dump());
    CHECK(record.contains("main/loss"));
    CHECK(record["abi/v1_2/rank"].get<double>() == 0.0);
    CHECK(record["abi/v1_2/world_size"].get<double>() == 1.0);
    CHECK(record["abi/v1_2/local_rank"].get<double>() == 0.0);
    CHECK(record["abi/v1_2/sum"].get<double>() == 1.0);
    CHECK(record["abi/v1_2/broadcast_kept"].get<double>() == 1.0);
    CHECK(record["abi/v1_2/context_agrees"].get<double>() == 1.0);
  }
}

TEST_CASE("the frozen 1.2 plugin's collectives reach across two ranks, and its dataset class feeds both") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_2_PLUGIN});
  write_file(dir.file("m.toml"), v1_2_manifest(plugins, R"(
[[extension]]
use = "abi_v1_2_ranks"

[[extension]]
use = "log_report"
)") + "\n[distributed]\ntimeout = 20\n");
  auto r = run_trainkit({"run", dir.file("m.toml"), "--nproc", "2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("batch 8 per rank x 2 ranks, 2 iterations per epoch"));
  auto log = read_json(dir.file("result/log"));  // rank 0's; rank 1 fails its call if the broadcast missed it
  REQUIRE(log.size() == 2);
  for (const auto& record : log) {
    INFO(record.dump());
    CHECK(record["abi/v1_2/rank"].get<double>() == 0.0);
    CHECK(record["abi/v1_2/world_size"].get<double>() == 2.0);
    CHECK(record["abi/v1_2/sum"].get<double>() == 2.0);  // both ranks' 1
    CHECK(record["abi/v1_2/context_agrees"].get<double>() == 1.0);
  }
}
