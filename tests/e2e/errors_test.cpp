// Bad input gets a clear error naming the place, and nothing is trained (exit 2); failures during
// training exit 1 and name the extension and the call.
#include <catch2/catch.hpp>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("an unknown manifest key names file:line:col, the key and a suggestion") {
  TempDir dir;
  std::string m = small_manifest("1 epoch", "");
  m.replace(m.find("seed = 7"), 8, "sed = 7");
  write_file(dir.file("m.toml"), m);
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("m.toml:4:1") && Contains("sed") && Contains("did you mean \"seed\""));
  CHECK_FALSE(file_exists(dir.file("result")));
}

TEST_CASE("a TOML syntax error names the line") {
  TempDir dir;
  write_file(dir.file("m.toml"), "[trainer]\nstop = \"1 epoch\n");
  auto r = run_trainkit({"validate", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("m.toml:2:"));
}

TEST_CASE("an unknown extension option is caught before training, with position and suggestion") {
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "log_report"
filenme = "x"
)"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("extension \"log_report\"") && Contains("unknown option \"filenme\"") &&
                        Contains("did you mean \"filename\""));
  CHECK_THAT(r.err, Contains("m.toml:"));
  CHECK_FALSE(file_exists(dir.file("result")));
}

TEST_CASE("a wrong option type is caught before training") {
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "progress_bar"
update_interval = "often"
)"));
  auto r = run_trainkit({"validate", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("update_interval"));
}

TEST_CASE("an unknown extension class suggests the closest one") {
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"log_reprot\"\n"));
  auto r = run_trainkit({"validate", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("log_reprot") && Contains("did you mean \"log_report\""));
}

TEST_CASE("a missing data folder is a configuration error naming the file") {
  TempDir dir;
  std::string m = small_manifest("1 epoch", "");
  m.replace(m.find(kFashionMnist), std::string(kFashionMnist).size(), "/nonexistent/data");
  write_file(dir.file("m.toml"), m);
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("/nonexistent/data"));
}

TEST_CASE("an extension failing during training exits 1 naming the extension and the call") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("2 epoch", R"(
[[extension]]
use = "evaluator"
split = "nonexistent"
[[extension]]
use = "log_report"
trigger = "1 iteration"
)"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("extension \"evaluator\"") && Contains("failed in call") && Contains("nonexistent"));
  // log_report ran for the iterations before the failure and was finalized: its file is there.
  CHECK(file_exists(dir.file("result/log")));
}
