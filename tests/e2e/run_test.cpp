// Training runs driven through `trainkit run`, checked by the files they leave.
#include <sys/file.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

const char* kReporting = R"(
[[extension]]
use = "evaluator"
[[extension]]
use = "observe_lr"
[[extension]]
use = "log_report"
[[extension]]
use = "print_report"
)";

}  // namespace

TEST_CASE("a small run writes a per-epoch log with training and validation means") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("2 epoch", kReporting));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.is_array());
  REQUIRE(log.size() == 2);
  for (int e = 0; e < 2; ++e) {
    const auto& rec = log[e];
    CHECK(rec["epoch"] == e + 1);
    CHECK(rec["iteration"] == 8 * (e + 1));  // 512 examples / batch 64
    CHECK(rec["elapsed_time"].get<double>() > 0);
    CHECK(rec["main/loss"].get<double>() > 0);
    double acc = rec["validation/main/accuracy"].get<double>();
    CHECK(acc >= 0.0);
    CHECK(acc <= 1.0);
    CHECK(rec["lr"].get<double>() == Approx(0.1));
  }
  // print_report: a header and one row per epoch.
  CHECK_THAT(r.out, Contains("epoch") && Contains("main/loss") && Contains("validation/main/accuracy"));
}

TEST_CASE("the same manifest and seed give the same log, bit for bit") {
  TK_REQUIRE_DATA();
  TempDir a, b;
  write_file(a.file("m.toml"), small_manifest("2 epoch", kReporting));
  write_file(b.file("m.toml"), small_manifest("2 epoch", kReporting));
  REQUIRE(run_trainkit({"run", a.file("m.toml")}).exit_code == 0);
  REQUIRE(run_trainkit({"run", b.file("m.toml")}).exit_code == 0);
  CHECK(without_time(read_json(a.file("result/log"))) == without_time(read_json(b.file("result/log"))));
}

TEST_CASE("set overrides manifest keys, extensions by instance name") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("3 epoch", kReporting));
  auto r = run_trainkit({"run", dir.file("m.toml"), "--set", "trainer.stop=1 epoch", "--set",
                     "extension.log_report.filename=mylog"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(dir.file("result/mylog")).size() == 1);
  CHECK_FALSE(file_exists(dir.file("result/log")));
}

TEST_CASE("out puts results in another folder") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kReporting));
  auto r = run_trainkit({"run", dir.file("m.toml"), "--out", dir.file("elsewhere")});
  REQUIRE(r.exit_code == 0);
  CHECK(file_exists(dir.file("elsewhere/log")));
}

TEST_CASE("a log_report every 4 iterations logs means over 4 iterations") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("2 epoch", R"(
[[extension]]
use = "log_report"
trigger = "4 iteration"
)"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 4);
  CHECK(log[0]["iteration"] == 4);
  CHECK(log[3]["iteration"] == 16);
}

TEST_CASE("a bad plugin in a plugin folder is refused with its reason and the run goes on") {
  TK_REQUIRE_DATA();
  TempDir dir;
  std::filesystem::create_directory(dir.file("plugins"));
  write_file(dir.file("plugins/broken.so"), "not elf");
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kReporting, "plugin_dirs = [\"plugins\"]\n"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("broken.so refused: ") && Contains("not an ELF"));
  CHECK(file_exists(dir.file("result/log")));
}

TEST_CASE("SIGTERM stops at the next iteration boundary, finalizes, exits 143") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("100000 epoch", R"(
[[extension]]
use = "log_report"
trigger = "1 iteration"
)"));
  int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out"), dir.file("err"));
  // Wait until training is under way (the log is written every iteration), then ask it to stop.
  for (int i = 0; i < 600 && !file_exists(dir.file("result/log")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(file_exists(dir.file("result/log")));
  ::kill(pid, SIGTERM);
  CHECK(wait_process(pid) == 143);
  auto log = read_json(dir.file("result/log"));
  CHECK(log.size() >= 1);
}

TEST_CASE("a second run cannot use an output folder a live run holds") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kReporting));
  std::filesystem::create_directory(dir.file("result"));
  int fd = ::open(dir.file("result/.lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);  // this test process plays the live run
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("in use by another trainkit run"));
  ::close(fd);
  CHECK(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);  // the lock died with its holder
}

TEST_CASE("a TorchScript model scripted in Python trains in the host", "[python]") {
  TK_REQUIRE_DATA();
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_file(dir.file("make_model.py"), R"(import sys, torch
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 64)
        self.fc2 = torch.nn.Linear(64, 10)
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))
torch.jit.script(Net()).save(sys.argv[1])
)");
  auto py = run_process({"/usr/bin/python3", dir.file("make_model.py"), dir.file("net.pt")});
  INFO(py.err);
  REQUIRE(py.exit_code == 0);
  std::string manifest = small_manifest("2 epoch", kReporting);
  manifest.replace(manifest.find("builtin = \"mlp\"\nhidden = [32]"), 29, "torchscript = \"net.pt\"");
  write_file(dir.file("m.toml"), manifest);
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 2);
  CHECK(log[1]["main/loss"].get<double>() < log[0]["main/loss"].get<double>() + 0.5);
  CHECK(log[1]["validation/main/accuracy"].get<double>() > 0.3);
}
