// The ABI is C: a plugin compiled by clang++ (with the SDK's C++ wrapper) loads and runs in the gcc-built host.
#include <catch2/catch.hpp>

#include <string>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

std::string clang_plugin() {
  const std::string path = TK_ABI_CLANG_PLUGIN;
  if (path.empty()) FAIL("clang++ was not found when the build was configured: install clang (scripts/setup.sh) and reconfigure");
  return path;
}

}  // namespace

TEST_CASE("a plugin compiled by clang++ loads in the gcc-built host") {
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {clang_plugin()});
  auto list = run_trainkit({"plugins", "--dir", plugins});
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("clang_plugin.so") && Contains("org.trainkit.test.clang_plugin") &&
                           Contains("compiled_by"));
  CHECK_THAT(list.out, !Contains("clang_plugin.so  refused"));
  auto describe = run_trainkit({"plugins", "--dir", plugins, "--describe", "compiled_by"});
  REQUIRE(describe.exit_code == 0);
  CHECK_THAT(describe.out, Contains("built by clang"));
}

TEST_CASE("a plugin compiled by clang++ runs in the gcc-built host") {
  TK_REQUIRE_DATA();
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {clang_plugin()});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "compiled_by"

[[extension]]
use = "log_report"
)", plugin_dirs_line(plugins)));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 1);
  // __clang_major__ as the plugin saw it: only clang defines it.
  CHECK(log[0]["abi/compiler/clang_major"].get<double>() >= 3.0);
}
