// tk_config.out_dir (ABI 1.1) in use: a plugin sees its own files while its state loads, before anything
// else runs, and refuses a resume they do not match; the host turns the refusal into exit 3.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "abi_test_support.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("a plugin refuses a resume its own file in out/ does not match: exit 3") {
  TK_REQUIRE_DATA();
  TempDir dir;
  const std::string plugins = plugin_folder(dir, {TK_ABI_OWN_FILE_PLUGIN});
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "own_file"

[[extension]]
use = "snapshot"
trigger = "1 epoch"
)", plugin_dirs_line(plugins)));
  auto first = run_trainkit({"run", dir.file("m.toml")});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string own = dir.file("result/own_file.own_file.txt");
  REQUIRE(file_exists(own));

  auto resumed = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=2 epoch"});
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);  // the file matches the snapshot

  write_file(own, "3\n");  // the file went back behind the snapshot's iteration
  auto refused = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=3 epoch"});
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Contains("visit_state (load)") && Contains(own) &&
                              Contains("this state cannot continue it"));
}
