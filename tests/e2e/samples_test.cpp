// The samples under samples/ that need no build of their own, run the way their README command runs them.
#include <catch2/catch.hpp>

#include <filesystem>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("the regression sample trains a TorchScript training_step and its Python check passes", "[python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const std::string sample = std::string(TK_SOURCE_DIR) + "/samples/regression";
  std::filesystem::copy_file(sample + "/manifest.toml", dir.file("manifest.toml"));
  auto made = run_process({"/usr/bin/python3", sample + "/make_data.py", dir.file("data")});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  auto run = run_trainkit({"run", dir.file("manifest.toml"), "--quiet"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 40);
  for (const char* key : {"main/mae", "main/mse_wave", "main/mse_bowl", "validation/main/loss", "validation/main/mae"})
    CHECK(log.back().contains(key));
  CHECK_FALSE(log.back().contains("main/accuracy"));
  CHECK(log.back()["validation/main/loss"].get<double>() < log.front()["validation/main/loss"].get<double>());
  auto check = run_process({"/usr/bin/python3", sample + "/check.py", dir.file("result"), dir.file("data")});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK_THAT(check.out, Contains("check: passed"));
}
