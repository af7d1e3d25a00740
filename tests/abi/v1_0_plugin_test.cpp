// The versioning promise (docs/abi.md): a plugin built against the 1.0 headers keeps loading and running in
// every later 1.x host. v1_0_plugin.c is plain C compiled against the frozen copy in tests/abi/v1_0/ alone.
#include <catch2/catch.hpp>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("a C plugin built against the frozen 1.0 headers loads in the current host") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_0_PLUGIN});
  auto list = run_trainkit({"plugins", "--dir", plugins});
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("v1_0_plugin.so") && Contains("org.trainkit.test.abi_v1_0") && Contains("abi_v1_0"));
  CHECK_THAT(list.out, !Contains("v1_0_plugin.so  refused"));

  auto describe = run_trainkit({"plugins", "--dir", plugins, "--describe", "abi_v1_0"});
  REQUIRE(describe.exit_code == 0);
  CHECK_THAT(describe.out, Contains("frozen ABI 1.0 headers") && Contains("key") && Contains("\"abi/v1_0\"") &&
                               Contains("value") && Contains("1.5"));
}

TEST_CASE("a plugin built against the frozen 1.0 headers runs: options in, observations out") {
  TK_REQUIRE_DATA();
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_V1_0_PLUGIN});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "abi_v1_0"
value = 2.25

[[extension]]
use = "log_report"
)", plugin_dirs_line(plugins)));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("built against the frozen ABI 1.0 headers"));
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 1);
  CHECK(log[0]["abi/v1_0"].get<double>() == 2.25);
  CHECK(log[0]["abi/v1_0/loss_seen"].get<double>() == 1.0);  // it read main/loss through the scalar view
}
