// Snapshots and resume through `trainkit run`: bit-exact continuation, crash safety under kill -9,
// corrupt files, resume across plugin sets, retention, Python interop, the final snapshot on SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "e2e_support.h"
#include "state/archive.h"
#include "torchfile/torch_format.h"

using namespace tk_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kStateFixtures = std::string(TK_BINARY_DIR) + "/fixtures/state";

std::string with_optimizer(std::string manifest, const std::string& optimizer_table) {
  const std::string sgd = "[optimizer]\nname = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n";
  manifest.replace(manifest.find(sgd), sgd.size(), optimizer_table);
  return manifest;
}

// Leaves that must be equal between an uninterrupted run and a resumed one: everything that decides
// the next step. Timing and the manifest text (it differs by the --set) are left out.
bool compared(const std::string& path) {
  return path.rfind("meta/", 0) != 0 && path != "trainer/elapsed_time" && path.find("elapsed_time") == std::string::npos;
}

trainkit::state::MemoryTree read_snapshot(const std::string& path) {
  return trainkit::torchfile::looks_like_torch_file(path) ? trainkit::torchfile::read_torch_file(path)
                                                          : trainkit::state::read_archive(path);
}

void require_same_training_state(const std::string& a_path, const std::string& b_path) {
  auto a = read_snapshot(a_path), b = read_snapshot(b_path);
  size_t checked = 0;
  for (const auto& [path, leaf] : a.leaves) {
    if (!compared(path) || path.rfind("extensions/log_report/state", 0) == 0) continue;
    INFO(path);
    auto it = b.leaves.find(path);
    REQUIRE(it != b.leaves.end());
    CHECK((leaf == it->second));
    ++checked;
  }
  CHECK(checked > 10);
  CHECK(a.leaves.count("model/0.weight") + a.leaves.count("model/1.weight") >= 1);
}

const std::string kSnapshotAt13And24 = R"(
[[extension]]
use = "log_report"
trigger = "4 iteration"
[[extension]]
use = "snapshot"
trigger = { at = [13, 24], unit = "iteration" }
)";

// snapshot_options: more options of the snapshot extension (writer, format).
void check_bit_exact_resume(const std::string& optimizer_table, const std::string& more_extensions = "",
                            const std::string& snapshot_options = "") {
  TempDir straight, resumed;
  const std::string m = with_optimizer(
      small_manifest("24 iteration", kSnapshotAt13And24 + snapshot_options + more_extensions), optimizer_table);
  write_file(straight.file("m.toml"), m);
  write_file(resumed.file("m.toml"), m);
  auto a = run_trainkit({"run", straight.file("m.toml")});
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  // Stop mid-epoch at 13 (8 iterations per epoch), then resume to 24.
  auto b1 = run_trainkit({"run", resumed.file("m.toml"), "--set", "trainer.stop=13 iteration"});
  INFO(b1.err);
  REQUIRE(b1.exit_code == 0);
  REQUIRE(file_exists(resumed.file("result/snapshot_iter_13")));
  auto b2 = run_trainkit({"run", resumed.file("m.toml"), "--resume"});
  INFO(b2.err);
  REQUIRE(b2.exit_code == 0);
  CHECK_THAT(b2.err, Contains("resumed from ") && Contains("snapshot_iter_13"));
  require_same_training_state(straight.file("result/snapshot_iter_24"), resumed.file("result/snapshot_iter_24"));
  CHECK(without_time(read_json(straight.file("result/log"))) == without_time(read_json(resumed.file("result/log"))));
}

}  // namespace

TEST_CASE("resume mid-epoch is bit-exact with SGD and momentum") {
  TK_REQUIRE_DATA();
  check_bit_exact_resume("[optimizer]\nname = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n");
}

TEST_CASE("resume mid-epoch is bit-exact with Adam") {
  TK_REQUIRE_DATA();
  check_bit_exact_resume("[optimizer]\nname = \"adam\"\nlr = 0.001\n");
}

TEST_CASE("resume mid-epoch is bit-exact with an LR shift whose state matters") {
  TK_REQUIRE_DATA();
  // The shift multiplies lr by 0.8 every 3 iterations; observe_lr logs it every iteration, so the
  // log shows the learning rate right after the resume equals the uninterrupted one.
  check_bit_exact_resume("[optimizer]\nname = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n", R"(
[[extension]]
use = "exponential_shift"
rate = 0.8
trigger = "3 iteration"
[[extension]]
use = "observe_lr"
trigger = "1 iteration"
)");
}

// Every writer, in both formats (the default writer in the default format: the cases above). Two cases, so
// each stays well inside the e2e timeout.
TEST_CASE("resume mid-epoch is bit-exact with the simple and thread writers, both formats") {
  TK_REQUIRE_DATA();
  auto options = GENERATE(as<std::string>{}, "writer = \"simple\"\nformat = \"torch\"\n",
                          "writer = \"thread\"\nformat = \"torch\"\n", "writer = \"thread_queue\"\n");
  INFO(options);
  check_bit_exact_resume("[optimizer]\nname = \"adam\"\nlr = 0.001\n", "", options);
}

TEST_CASE("resume mid-epoch is bit-exact with the process writers, both formats") {
  TK_REQUIRE_DATA();
  auto options = GENERATE(as<std::string>{}, "writer = \"process\"\n", "writer = \"process\"\nformat = \"torch\"\n",
                          "writer = \"process_queue\"\nformat = \"torch\"\n");
  INFO(options);
  check_bit_exact_resume("[optimizer]\nname = \"adam\"\nlr = 0.001\n", "", options);
}

TEST_CASE("elapsed_time accumulates across a resume") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("24 iteration", kSnapshotAt13And24));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--set", "trainer.stop=13 iteration"}).exit_code == 0);
  auto first = read_json(dir.file("result/log"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--resume"}).exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 6);
  CHECK(log[3]["elapsed_time"].get<double>() > first[2]["elapsed_time"].get<double>());
}

TEST_CASE("resume without any snapshot starts from scratch with a notice") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", kSnapshotAt13And24));
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("starting from scratch"));
}

TEST_CASE("a corrupt newest snapshot is skipped with a warning and the previous one is used") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("3 epoch", "[[extension]]\nuse = \"snapshot\"\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  const std::string newest = dir.file("result/snapshot_iter_24");
  REQUIRE(file_exists(newest));
  fs::resize_file(newest, fs::file_size(newest) / 2);
  auto inspect = run_trainkit({"inspect", newest});
  CHECK(inspect.exit_code == 3);
  CHECK_THAT(inspect.out, Contains("BAD") && Contains("truncated"));
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=4 epoch"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("snapshot_iter_24") && Contains("truncated"));
  CHECK_THAT(r.err, Contains("resumed from ") && Contains("snapshot_iter_16"));
}

TEST_CASE("resume from an explicit corrupt file is refused with exit 3") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  const std::string snap = dir.file("result/snapshot_iter_8");
  std::string bytes = read_file(snap);
  bytes[bytes.size() / 2] ^= 0x40;
  write_file(snap, bytes);
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume", snap, "--set", "trainer.stop=2 epoch"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("cannot resume from") && Contains("checksum"));
}

TEST_CASE("inspect shows format, checksum verdict and the state tree") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  auto r = run_trainkit({"inspect", dir.file("result/snapshot_iter_8")});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("format    trainkit") && Contains("checksum  ok"));
  CHECK_THAT(r.out, Contains("model") && Contains("optimizer") && Contains("float32"));
  auto j = run_trainkit({"inspect", dir.file("result/snapshot_iter_8"), "--json"});
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["format"] == "trainkit");
  CHECK(doc["checksum"] == "ok");
}

TEST_CASE("with n_retains = 2 only the two newest snapshots remain, through a resume too") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("3 epoch", "[[extension]]\nuse = \"snapshot\"\nn_retains = 2\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  CHECK_FALSE(file_exists(dir.file("result/snapshot_iter_8")));
  CHECK(file_exists(dir.file("result/snapshot_iter_16")));
  CHECK(file_exists(dir.file("result/snapshot_iter_24")));
  REQUIRE(run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=5 epoch"}).exit_code == 0);
  std::vector<std::string> snapshots;
  for (const auto& e : fs::directory_iterator(dir.file("result")))
    if (e.path().filename().string().rfind("snapshot_iter_", 0) == 0) snapshots.push_back(e.path().filename());
  std::sort(snapshots.begin(), snapshots.end());
  CHECK(snapshots == std::vector<std::string>{"snapshot_iter_32", "snapshot_iter_40"});
}

TEST_CASE("state of an extension missing from the resumed run is carried forward and comes back") {
  TK_REQUIRE_DATA();
  TempDir dir;
  auto manifest = [&](const char* counter, const char* stop) {
    return small_manifest(stop, std::string("[[extension]]\nuse = \"log_report\"\n[[extension]]\nuse = \"snapshot\"\n"
                                            "[[extension]]\nuse = \"") + counter + "\"\n",
                          "plugin_dirs = [\"" + kStateFixtures + "\"]\n");
  };
  write_file(dir.file("x.toml"), manifest("counter_x", "2 epoch"));
  write_file(dir.file("y.toml"), manifest("counter_y", "3 epoch"));
  write_file(dir.file("x4.toml"), manifest("counter_x", "4 epoch"));
  auto r1 = run_trainkit({"run", dir.file("x.toml")});
  INFO(r1.err);
  REQUIRE(r1.exit_code == 0);
  auto r2 = run_trainkit({"run", dir.file("y.toml"), "--resume"});
  INFO(r2.err);
  REQUIRE(r2.exit_code == 0);
  CHECK_THAT(r2.err, Contains("\"counter_x\"") && Contains("kept unchanged"));
  CHECK_THAT(r2.err, Contains("[counter_y]") && Contains("fresh"));
  auto r3 = run_trainkit({"run", dir.file("x4.toml"), "--resume"});
  INFO(r3.err);
  REQUIRE(r3.exit_code == 0);
  CHECK_THAT(r3.err, Contains("[counter_x] restored with calls = 16"));
  auto log = read_json(dir.file("result/log"));
  CHECK(log.back()["iteration"] == 32);
  // The log holds epoch means: calls 17..24 in the last epoch (16 before; the 8 iterations run under
  // counter_y did not count for counter_x), so the mean is 20.5.
  CHECK(log.back()["counter_x/calls"].get<double>() == Approx(20.5));
}

TEST_CASE("saved state of another plugin under the same instance name is refused before training") {
  TK_REQUIRE_DATA();
  TempDir dir;
  auto manifest = [&](const char* counter, const char* stop) {
    return small_manifest(stop, std::string("[[extension]]\nuse = \"snapshot\"\n[[extension]]\nname = \"counter\"\nuse = \"") +
                                    counter + "\"\n",
                          "plugin_dirs = [\"" + kStateFixtures + "\"]\n");
  };
  write_file(dir.file("x.toml"), manifest("counter_x", "1 epoch"));
  write_file(dir.file("y.toml"), manifest("counter_y", "2 epoch"));
  REQUIRE(run_trainkit({"run", dir.file("x.toml")}).exit_code == 0);
  auto r = run_trainkit({"run", dir.file("y.toml"), "--resume"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("cannot resume \"counter\"") && Contains("org.trainkit.test.counter_x"));
}

TEST_CASE("SIGTERM takes a final snapshot, exits 143, and the run resumes from it") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("100000 epoch", R"(
[[extension]]
use = "snapshot"
trigger = "100000 epoch"
[[extension]]
use = "log_report"
trigger = "1 iteration"
)"));
  int pid = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out"), dir.file("err"));
  for (int i = 0; i < 600 && !file_exists(dir.file("result/log")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGTERM);
  REQUIRE(wait_process(pid) == 143);
  std::vector<std::string> snapshots;
  for (const auto& e : fs::directory_iterator(dir.file("result")))
    if (e.path().filename().string().rfind("snapshot_iter_", 0) == 0) snapshots.push_back(e.path());
  REQUIRE(snapshots.size() == 1);
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=1 iteration"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("resumed from ") && Contains(snapshots[0]));
}

TEST_CASE("a torch-format snapshot opens in Python's torch.load", "[python]") {
  TK_REQUIRE_DATA();
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\nformat = \"torch\"\n"));
  REQUIRE(run_trainkit({"run", dir.file("m.toml")}).exit_code == 0);
  write_file(dir.file("check.py"), R"(import sys, torch
d = torch.load(sys.argv[1])
assert set(['trainer', 'model', 'optimizer', 'updater', 'meta']) <= set(d.keys()), d.keys()
assert d['trainer']['iteration'] == 8, d['trainer']
w = [v for k, v in d['model'].items() if k.endswith('weight')][0]
assert isinstance(w, torch.Tensor) and w.dtype == torch.float32 and w.dim() == 2
assert d['optimizer']['name'] == 'sgd'
print('OK', sorted(d.keys()))
)");
  auto py = run_process({"/usr/bin/python3", dir.file("check.py"), dir.file("result/snapshot_iter_8")});
  INFO(py.err);
  CHECK(py.exit_code == 0);
  CHECK_THAT(py.out, Contains("OK"));
  // trainkit reads its torch-format files back too.
  auto r = run_trainkit({"run", dir.file("m.toml"), "--resume", "--set", "trainer.stop=2 epoch"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("resumed from ") && Contains("(torch)"));
}
