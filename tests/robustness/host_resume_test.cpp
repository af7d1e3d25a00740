// Issue 11, the host: with `--resume` and no path, a newest "snapshot" that is a folder, a FIFO or a
// symlink loop was skipped without a word (a FIFO could have blocked the read). Each is skipped with a
// warning that says what it is, and the run resumes from the newest real snapshot.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "host_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("run: --resume skips a folder, a FIFO and a symlink loop named like snapshots, and says so") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  std::filesystem::create_directory(dir.file("result/snapshot_iter_99"));
  REQUIRE(::mkfifo(dir.file("result/snapshot_iter_98").c_str(), 0600) == 0);
  REQUIRE(::symlink("snapshot_iter_97", dir.file("result/snapshot_iter_97").c_str()) == 0);
  const int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=2 epoch"},
                                dir.file("out"), dir.file("err"));
  REQUIRE(wait_at_most(pid, 120) == 0);
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK_THAT(err, Contains("skipping snapshot_iter_99 in " + dir.file("result") + ": it is a folder, not a snapshot file"));
  CHECK_THAT(err, Contains("skipping snapshot_iter_98 in " + dir.file("result") + ": it is a FIFO, not a snapshot file"));
  CHECK_THAT(err, Contains("skipping snapshot_iter_97 in " + dir.file("result") + ": Too many levels of symbolic links"));
  CHECK_THAT(err, Contains("resumed from " + dir.file("result/snapshot_iter_8")));
}
