// The process snapshot writers need trainkit-snapshot-writer from trainkit's libexec folder: without it a run
// that asks for them stops at create (exit 2), before training, naming the file it looked for.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("a process writer without trainkit-snapshot-writer installed fails at create with exit 2") {
  TK_REQUIRE_DATA();
  std::string writer = GENERATE(as<std::string>{}, "process", "process_queue");
  INFO("writer = " << writer);
  TempDir dir;
  // trainkit finds its helpers and plugins relative to its binary: a copy of the install without the writer.
  const fs::path build = fs::path(TK_TRAINKIT_BIN).parent_path().parent_path();
  fs::create_directories(dir.file("inst/bin"));
  fs::create_directories(dir.file("inst/libexec/trainkit"));
  fs::copy_file(TK_TRAINKIT_BIN, dir.file("inst/bin/trainkit"));
  fs::copy_file(build / "libexec/trainkit/trainkit-plugin-scanner", dir.file("inst/libexec/trainkit/trainkit-plugin-scanner"));
  fs::copy(build / "lib", dir.file("inst/lib"), fs::copy_options::recursive);
  write_file(dir.file("m.toml"), small_manifest("2 epoch", "[[extension]]\nuse = \"snapshot\"\nwriter = \"" + writer + "\"\n"));
  ProcessResult r = run_process({dir.file("inst/bin/trainkit"), "run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("failed in create: cannot start the snapshot writer " + dir.file("inst/bin/../libexec/trainkit/trainkit-snapshot-writer") +
                             ": No such file or directory"));
  CHECK_FALSE(fs::exists(dir.file("result/log")));
}
