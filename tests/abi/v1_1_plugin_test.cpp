// The versioning promise for 1.1 (docs/abi.md): a plugin built against the frozen 1.1 headers loads and runs,
// and what 1.1 added works from plain C: a choice option, checked and listed by the host, and
// tk_config.out_dir, known at create and equal to the out folder of every call.
#include <catch2/catch.hpp>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("a C plugin built against the frozen 1.1 headers loads, and --describe lists its choices") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_1_PLUGIN});
  auto list = run_trainkit({"plugins", "--dir", plugins});
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("org.trainkit.test.abi_v1_1") && Contains("1.1") && !Contains("refused"));

  auto describe = run_trainkit({"plugins", "--dir", plugins, "--describe", "abi_v1_1"});
  REQUIRE(describe.exit_code == 0);
  CHECK_THAT(describe.out, Contains("side") && Contains("choice") && Contains("default \"left\"") &&
                               Contains("one of \"left\", \"right\""));
}

TEST_CASE("a value outside a plugin's choices is refused before anything trains, with a did-you-mean") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_1_PLUGIN});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "abi_v1_1"
side = "rigth"
)", plugin_dirs_line(plugins)));
  auto r = run_trainkit({"validate", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("m.toml:") && Contains("option \"side\" must be one of \"left\", \"right\", not \"rigth\"") &&
                        Contains("did you mean \"right\""));
}

TEST_CASE("a plugin built against the frozen 1.1 headers runs: its choice and the out folder from create on") {
  TK_REQUIRE_DATA();
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_1_PLUGIN});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "abi_v1_1"
side = "right"

[[extension]]
use = "log_report"
)", plugin_dirs_line(plugins)));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 1);
  CHECK(log[0]["abi/v1_1/right"].get<double>() == 1.0);
  CHECK(log[0]["abi/v1_1/out_dir_known"].get<double>() == 1.0);
  CHECK_FALSE(log[0].contains("abi/v1_1/left"));
}
