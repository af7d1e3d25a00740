// Issue 11, the host, through the real binary: inputs that hung trainkit, crashed it, failed only after the
// data was loaded, or printed a LibTorch backtrace. Each ends with its exit code and a short, placed message
// in bounded time; `validate` refuses what `run` refuses.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <catch2/catch.hpp>

#include "host_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

namespace fs = std::filesystem;

const char* kLog = "[[extension]]\nuse = \"log_report\"\ntrigger = \"1 iteration\"\n";

// Runs trainkit and fails the test when it takes more than `seconds`.
ProcessResult run_bounded(const std::vector<std::string>& args, double seconds = 60) {
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = run_trainkit(args);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds));
  return r;
}

// `validate` and `run` both refuse with exit 2, with `message`, and nothing is trained.
void both_refuse(const TempDir& dir, const std::vector<std::string>& sets, const std::string& message) {
  for (const char* command : {"validate", "run"}) {
    std::vector<std::string> args = {command, dir.file("m.toml")};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    const ProcessResult r = run_bounded(args);
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(message));
    CHECK_THAT(r.err, !Contains("Exception raised from"));  // no LibTorch backtrace
    CHECK_FALSE(file_exists(dir.file("result/log")));
  }
}

}  // namespace

TEST_CASE("inspect and --resume refuse a FIFO at once instead of blocking in open") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("f").c_str(), 0600) == 0);
  const ProcessResult inspect = run_bounded({"inspect", dir.file("f")}, 30);
  CHECK(inspect.exit_code == 2);
  CHECK_THAT(inspect.err, Contains("cannot inspect " + dir.file("f") + ": is a FIFO (named pipe), not a file"));
  write_file(dir.file("m.toml"), small_manifest("1 iteration", kLog));
  const ProcessResult resume = run_bounded({"run", dir.file("m.toml"), "--resume", dir.file("f")}, 30);
  CHECK(resume.exit_code == 3);
  CHECK_THAT(resume.err, Contains("cannot resume from " + dir.file("f") + ": is a FIFO (named pipe), not a file"));
  const ProcessResult init = run_bounded({"run", dir.file("m.toml"), "--init-from", dir.file("f")}, 30);
  CHECK(init.exit_code == 3);
  CHECK_THAT(init.err, Contains("cannot initialise the model from " + dir.file("f") + ": is a FIFO"));
  const ProcessResult manifest = run_bounded({"validate", dir.file("f")}, 30);
  CHECK(manifest.exit_code == 2);
  CHECK_THAT(manifest.err, Contains("cannot read the manifest: it is a FIFO"));
}

TEST_CASE("validate /dev/zero is refused without reading it") {
  const ProcessResult r = run_bounded({"validate", "/dev/zero"}, 30);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("/dev/zero: cannot read the manifest: it is a device, not a file"));
}

TEST_CASE("values that failed after the data was loaded are refused by validate and run alike") {
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kLog));
  both_refuse(dir, {"trainer.stop=1e30 iteration"}, "--set trainer.stop: trigger \"1e30 iteration\": at most");
  both_refuse(dir, {"optimizer.lr=inf"}, "--set optimizer.lr: must be a finite number, not inf");
  both_refuse(dir, {"optimizer.lr=1e308"}, "--set optimizer.lr: must be in [0, 3.40282e+38]");
  both_refuse(dir, {"trainer.threads=100000"}, "--set trainer.threads: must be at most");
  both_refuse(dir, {"trainer.threads=2147483648"}, "got 2147483648");
  both_refuse(dir, {"data.batch_size=9223372036854775807"}, "--set data.batch_size: must be in [1, 16777216]");
  both_refuse(dir, {"model.hidden=[16777217]"}, "--set model.hidden[0]: must be in (0, 16777216]");
}

TEST_CASE("a long instance name is refused before anything runs, without echoing it") {
  TempDir dir;
  const auto manifest_with_name = [&](size_t length) {
    write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"log_report\"\nname = \"" +
                                                                 std::string(length, 'n') + "\"\n"));
  };
  manifest_with_name(100000);
  const ProcessResult r = run_bounded({"validate", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("name: is 100000 characters long; an instance name has at most 128"));
  CHECK(r.err.size() < 1000);
  manifest_with_name(10 << 20);  // the 10 MB name of the report: the manifest is too large to read
  const ProcessResult big = run_bounded({"run", dir.file("m.toml")});
  CHECK(big.exit_code == 2);
  const std::string size = std::to_string(fs::file_size(dir.file("m.toml")));
  CHECK_THAT(big.err, Contains("cannot read the manifest: it holds " + size + " bytes, more than the 4194304"));
  CHECK(big.err.size() < 1000);
}

TEST_CASE("a model too large for the machine is refused before it is allocated, without a backtrace") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kLog));
  const ProcessResult r = run_bounded({"run", dir.file("m.toml"), "--set", "model.hidden=[16777216, 16777216, 16777216]"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("model: the mlp has ") && Contains("GB of memory"));
  CHECK_THAT(r.err, !Contains("Exception raised from"));
  CHECK_FALSE(file_exists(dir.file("result/log")));
}

TEST_CASE("a stop far below one iteration ends the run after one iteration") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1e-30 epoch", kLog));
  const ProcessResult r = run_bounded({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(dir.file("result/log")).size() == 1);
  CHECK_THAT(r.err, Contains("done: 1 iterations"));
}

TEST_CASE("a missing data folder and a TorchScript file that is no module are placed at their keys") {
  TK_REQUIRE_DATA();
  TempDir dir;
  std::string manifest = small_manifest("1 epoch", kLog);
  write_file(dir.file("m.toml"), manifest);
  for (const char* command : {"validate", "run"}) {
    const ProcessResult r = run_bounded({command, dir.file("m.toml"), "--set", "data.root=\"nowhere\""});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--set data.root: cannot read the data folder " + dir.file("nowhere") + ": no such folder"));
  }
  write_file(dir.file("net.pt"), "not a module\n");
  manifest.replace(manifest.find("builtin = \"mlp\"\nhidden = [32]"), 29, "torchscript = \"net.pt\"");
  write_file(dir.file("m.toml"), manifest);
  const ProcessResult r = run_bounded({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("m.toml:8:15: model.torchscript: " + dir.file("net.pt") +
                             ": cannot load as a TorchScript module"));
  CHECK_THAT(r.err, !Contains("Exception raised from"));
}

TEST_CASE("run: --resume SNAPSHOT before the manifest resumes from SNAPSHOT") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\n"));
  REQUIRE(run_bounded({"run", dir.file("m.toml")}).exit_code == 0);
  const ProcessResult r = run_bounded({"run", "--resume", dir.file("result/snapshot_iter_8"), dir.file("m.toml"),
                                       "--set", "trainer.stop=2 epoch"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("resumed from " + dir.file("result/snapshot_iter_8")));
  const ProcessResult no_manifest = run_bounded({"run", "--resume", dir.file("result/snapshot_iter_8")});
  CHECK(no_manifest.exit_code == 2);
  CHECK_THAT(no_manifest.err, Contains("--resume took \"" + dir.file("result/snapshot_iter_8") + "\" as its SNAPSHOT"));
}

TEST_CASE("a run removes the temp files an interrupted run left, and only those") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 iteration", kLog));
  fs::create_directories(dir.file("result/sub"));
  const std::vector<std::string> orphans = {".tmp.snapshot_iter_50.4194300.0123456789abcdef", ".tmp.log.AbC123",
                                            "sub/.tmp.plot.png.xY9zQ1"};
  const std::vector<std::string> kept = {".tmp.notes", "notes.tmp.log.AbC123", ".tmp.x.12a.0123456789abcdef"};
  for (const auto& name : orphans) write_file(dir.file("result/" + name), "partial");
  for (const auto& name : kept) write_file(dir.file("result/" + name), "mine");
  // One whose writer is alive (this test process) is left alone.
  const std::string live = ".tmp.snapshot_iter_60." + std::to_string(::getpid()) + ".0123456789abcdef";
  write_file(dir.file("result/" + live), "in flight");
  const ProcessResult r = run_bounded({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const auto& name : orphans) CHECK_FALSE(file_exists(dir.file("result/" + name)));
  for (const auto& name : kept) CHECK(file_exists(dir.file("result/" + name)));
  CHECK(file_exists(dir.file("result/" + live)));
  CHECK_THAT(r.err, Contains("removed 3 temp files an interrupted run left in " + dir.file("result")));
}

TEST_CASE("a snapshot past `ulimit -f` fails with its reason and leaves no temp file") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("2 iteration", "[[extension]]\nuse = \"snapshot\"\ntrigger = \"1 iteration\"\n"));
  // 200 KB: the MLP's 784x256 weights and their momentum are 1.6 MB.
  const ProcessResult r = run_process({"/bin/sh", "-c", "ulimit -f 200; exec \"$0\" \"$@\"", TK_TRAINKIT_BIN, "run",
                                       dir.file("m.toml"), "--set", "model.hidden=[256]"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("File too large"));
  for (const auto& e : fs::directory_iterator(dir.file("result")))
    CHECK(e.path().filename().string().rfind(".tmp.", 0) != 0);
}
