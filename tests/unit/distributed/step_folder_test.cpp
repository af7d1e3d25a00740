// runtime/distributed/step_folder.h: --resume with a sharded step folder.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/error.h"
#include "distributed/step_folder.h"
#include "process.h"

using trainkit::distributed::part_to_load;
using Catch::Matchers::Contains;

TEST_CASE("step folder: a file is itself, a complete folder gives this rank's part") {
  tk_test::TempDir dir;
  tk_test::write_file(dir.file("snap"), "x");
  CHECK(part_to_load(dir.file("snap"), 1) == dir.file("snap"));
  std::filesystem::create_directory(dir.file("step"));
  tk_test::write_file(dir.file("step/rank_0"), "a");
  tk_test::write_file(dir.file("step/rank_1"), "b");
  CHECK_THROWS_WITH(part_to_load(dir.file("step"), 0), Contains("not a complete snapshot step"));
  tk_test::write_file(dir.file("step/complete"), "{}");
  CHECK(part_to_load(dir.file("step"), 1) == dir.file("step/rank_1"));
  CHECK(part_to_load(dir.file("step"), 3) == dir.file("step/rank_1"));  // written by 2 ranks: 3 mod 2
}
