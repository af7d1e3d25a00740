// kill -9 of the writer process alone, in the middle of a write: the run fails naming the snapshot and how its
// writer died, every snapshot file left is complete, the writer's half-written temp file is removed by the
// next run on the folder, and --resume from it finishes exactly where an uninterrupted run does.
//
// The writer is caught mid-write without any hook in the product: its temp file carries its pid
// (".tmp.<name>.<pid>.<hex>", Note [Atomic file replacement]), so the test stops (SIGSTOP) a child of
// trainkit named trainkit-snapshot-writer while such a file of its own exists, checks the file is still
// there once the process is stopped (so the rename has not happened), and only then kills it.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "e2e_support.h"
#include "same_state.h"
#include "state/archive.h"

using namespace tk_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// MLP 784-1024-1024-10 with Adam: a 22 MB snapshot, whose write and fsync take long enough to catch. A
// snapshot every 4 iterations, 16 in all; log_report so the logs of the two runs can be compared.
std::string kill_manifest(const std::string& writer) {
  std::string m = small_manifest("64 iteration", R"(
[[extension]]
use = "log_report"
trigger = "8 iteration"
[[extension]]
use = "snapshot"
trigger = "4 iteration"
n_retains = 2
writer = ")" + writer + "\"\n");
  for (auto [from, to] : {std::pair<std::string, std::string>{"hidden = [32]", "hidden = [1024, 1024]"},
                          {"name = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n", "name = \"adam\"\nlr = 0.001\n"}}) {
    REQUIRE(m.find(from) != std::string::npos);
    m.replace(m.find(from), from.size(), to);
  }
  return m;
}

// /proc/<pid>/stat: "pid (comm) state ppid ...".
struct ProcStat {
  std::string comm;
  char state = '?';
  int ppid = 0;
};

std::optional<ProcStat> proc_stat(int pid) {
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");  // "" once it is reaped
  const size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 > text.size()) return std::nullopt;
  ProcStat s;
  s.comm = text.substr(open + 1, close - open - 1);
  s.state = text[close + 2];
  s.ppid = std::atoi(text.c_str() + close + 4);
  return s;
}

// The trainkit-snapshot-writer processes trainkit started (comm holds the first 15 bytes of the name).
std::vector<int> writer_children(int trainkit) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::optional<ProcStat> s = proc_stat(std::stoi(name));
    if (s && s->ppid == trainkit && std::string("trainkit-snapshot-writer").rfind(s->comm, 0) == 0)
      pids.push_back(std::stoi(name));
  }
  return pids;
}

bool ended(int pid) {
  std::optional<ProcStat> s = proc_stat(pid);
  return !s || s->state == 'Z';
}

bool stopped_or_ended(int pid) {
  std::optional<ProcStat> s = proc_stat(pid);
  return !s || s->state == 'Z' || s->state == 'T';
}

// A snapshot file in out whose write is complete.
bool has_snapshot(const std::string& out) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out, ec))
    if (e.path().filename().string().rfind("snapshot_iter_", 0) == 0) return true;
  return false;
}

// The temp file writer `pid` is writing a snapshot into, if any.
std::optional<std::string> temp_file_of(const std::string& out, int pid) {
  std::error_code ec;
  const std::string mark = "." + std::to_string(pid) + ".";
  for (const auto& e : fs::directory_iterator(out, ec)) {
    const std::string name = e.path().filename();
    if (name.rfind(".tmp.snapshot_iter_", 0) == 0 && name.find(mark) != std::string::npos) return name;
  }
  return std::nullopt;
}

struct Killed {
  int pid;
  std::string temp_file;  // its name in out/
};

// Once out holds a complete snapshot, stops a writer of `trainkit` in the middle of a write and kills it.
// nullopt when trainkit ended first.
std::optional<Killed> kill_a_writer_mid_write(int trainkit, const std::string& out) {
  while (!ended(trainkit)) {
    if (has_snapshot(out)) {
      for (int writer : writer_children(trainkit)) {
        std::optional<std::string> temp = temp_file_of(out, writer);
        if (!temp) continue;
        ::kill(writer, SIGSTOP);
        while (!stopped_or_ended(writer))
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (file_exists(out + "/" + *temp)) {  // stopped before its rename: the write is cut short
          ::kill(writer, SIGKILL);
          return Killed{writer, *temp};
        }
        ::kill(writer, SIGCONT);  // it finished that file meanwhile; try the next snapshot
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

// The snapshot files in out, oldest iteration first.
std::vector<std::string> snapshot_files(const std::string& out) {
  const std::string prefix = "snapshot_iter_";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().rfind(prefix, 0) == 0) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return std::stoll(a.substr(prefix.size())) < std::stoll(b.substr(prefix.size()));
  });
  return names;
}

void check_writer_kill(const std::string& writer) {
  TempDir straight, killed;
  write_file(straight.file("m.toml"), kill_manifest(writer));
  write_file(killed.file("m.toml"), kill_manifest(writer));
  auto reference = run_trainkit({"run", straight.file("m.toml")});
  INFO(reference.err);
  REQUIRE(reference.exit_code == 0);

  const std::string out = killed.file("result");
  const int trainkit = start_process({TK_TRAINKIT_BIN, "run", killed.file("m.toml")}, killed.file("out1"),
                                     killed.file("err1"));
  std::optional<Killed> victim = kill_a_writer_mid_write(trainkit, out);
  const int exit_code = wait_process(trainkit);
  const std::string err = read_file(killed.file("err1"));
  INFO(err);
  REQUIRE(victim);  // else the run ended before a write could be caught: make the state bigger

  // The run fails with the snapshot's name and how its writer ended, and leaves that snapshot unwritten.
  const std::string name = victim->temp_file.substr(5, victim->temp_file.find('.', 5) - 5);  // .tmp.<name>.
  CHECK(exit_code == 1);
  CHECK_THAT(err, Contains("writing snapshot " + name + ": the snapshot writer process " +
                           std::to_string(victim->pid) + " was killed by signal 9"));
  CHECK_FALSE(file_exists(out + "/" + name));
  CHECK(file_exists(out + "/" + victim->temp_file));

  // Every snapshot the run left is complete.
  const std::vector<std::string> left = snapshot_files(out);
  REQUIRE_FALSE(left.empty());
  for (const auto& file : left) {
    auto inspect = run_trainkit({"inspect", out + "/" + file});
    INFO(file << "\n" << inspect.out);
    CHECK(inspect.exit_code == 0);
    CHECK_THAT(inspect.out, Contains("checksum  ok"));
  }

  // The next run on the folder removes the temp file and resumes from the newest complete snapshot.
  auto resumed = run_trainkit({"run", killed.file("m.toml"), "--resume"});
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Contains("removed 1 temp file an interrupted run left in") && Contains(victim->temp_file));
  CHECK_FALSE(file_exists(out + "/" + victim->temp_file));
  CHECK_THAT(resumed.err, Contains("resumed from " + out + "/" + left.back()));

  auto a = trainkit::state::read_archive(straight.file("result/snapshot_iter_64"));
  auto b = trainkit::state::read_archive(killed.file("result/snapshot_iter_64"));
  check_same_leaves(a, b);
  CHECK(without_time(read_json(straight.file("result/log"))) == without_time(read_json(killed.file("result/log"))));
}

}  // namespace

TEST_CASE("kill -9 of the writer process mid-write fails the run, keeps the last snapshot, and resumes bit-exactly",
          "[crash]") {
  TK_REQUIRE_DATA();
  std::string writer = GENERATE(as<std::string>{}, "process", "process_queue");
  INFO("writer = " << writer);
  check_writer_kill(writer);
}
