// snapshot: Chainer's / ppe's snapshot extension through its C ABI, against a fake snapshot service that
// writes real files (fake_snapshot_service.h). Chainer's and ppe's test_snapshot.py cases where they apply.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <utime.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_snapshot_service.h"
#include "process.h"

using namespace tk_test;
using Catch::Matchers::Contains;

namespace {

const Strings kAllWriters = {"simple", "thread", "process", "thread_queue", "process_queue"};

// One snapshot extension in a fresh out/ folder, driven like the trainer drives it.
struct Run {
  // rank of world_size: what the fake "trainkit.distributed/1" tells the instance (and the context says).
  explicit Run(Options options = {}, int rank = 0, int world_size = 1) : plugin("snapshot", host) {
    ctx.out_dir = dir.path();
    host.rank = ctx.rank = rank;
    host.world_size = ctx.world_size = world_size;
    ext = std::make_unique<Instance>(plugin, host, "snapshot", options);
  }
  // The trainer reached iteration `it` and the trigger fired; training then goes on (live state changes).
  void step(int64_t it) {
    ctx.iteration = it;
    host.snapshots.live_iteration = it;
    ext->call(ctx);
    host.snapshots.live_iteration = it + 1000;
  }
  std::string file(const std::string& name) const { return dir.file(name); }
  Strings files(bool with_hidden = false) const { return list_dir(dir.path(), with_hidden); }

  SnapshotHost host;
  Plugin plugin;
  TempDir dir;
  TestContext ctx;
  std::unique_ptr<Instance> ext;
};

std::string content(int64_t iteration) { return FakeSnapshots::content(iteration, "trainer", "trainkit"); }

bool is_async(const std::string& writer) { return writer != "simple"; }
bool forks(const std::string& writer) { return writer == "process" || writer == "process_queue"; }

void set_mtime(const std::string& path, time_t seconds) {
  struct utimbuf t {seconds, seconds};
  REQUIRE(::utime(path.c_str(), &t) == 0);
}

// Processes whose parent is this one, alive or not yet reaped.
int child_processes() {
  int count = 0;
  std::string self = std::to_string(::getpid());
  for (auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file(e.path().string() + "/stat");
    size_t close = stat.rfind(')');  // "pid (comm) state ppid ..."; comm may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state, ppid;
    rest >> state >> ppid;
    if (ppid == self) ++count;
  }
  return count;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ---- the class -------------------------------------------------------------------------------------

TEST_CASE("snapshot: refuses bad option values at create with the valid ones listed") {
  SnapshotHost host;
  Plugin plugin("snapshot", host);
  auto refused = [&](Options o) {
    auto r = Instance::try_create(plugin, host, "snapshot", o);
    CHECK(r.first == TK_ERR_INVALID);
    return r.second;
  };
  CHECK_THAT(refused({{"writer", std::string("threads")}}),
             Contains("\"simple\", \"thread\", \"process\", \"thread_queue\" or \"process_queue\", got \"threads\""));
  CHECK_THAT(refused({{"target", std::string("optimizer")}}), Contains("target must be one of \"trainer\", \"model\""));
  CHECK_THAT(refused({{"format", std::string("npz")}}), Contains("format must be one of \"trainkit\", \"torch\""));
  CHECK_THAT(refused({{"mode", std::string("single")}}), Contains("\"default\", \"distributed\", \"sharded\""));
  CHECK_THAT(refused({{"snapshot_mode", std::string("sharded")}, {"writer", std::string("thread")}}),
             Contains("snapshot_mode = \"sharded\" writes each rank's part before the step is marked complete, so it "
                      "needs writer = \"simple\""));
  CHECK_THAT(refused({{"snapshot_mode", std::string("sharded")}, {"mode", std::string("distributed")}}),
             Contains("snapshot_mode = \"sharded\" and mode = \"distributed\" disagree"));
  CHECK_THAT(refused({{"saver_rank", int64_t{1}}}), Contains("saver_rank 1 is not a rank of this run (world size 1)"));
  CHECK_THAT(refused({{"n_retains", int64_t{0}}}), Contains("n_retains must be -1 (keep every snapshot) or at least 1, got 0"));
  CHECK_THAT(refused({{"n_retains", int64_t{-2}}}), Contains("got -2"));
  CHECK_THAT(refused({{"queue_size", int64_t{0}}}), Contains("queue_size must be at least 1"));
  CHECK_THAT(refused({{"saver_rank", int64_t{-1}}}), Contains("saver_rank must be a rank"));
  CHECK_THAT(refused({{"filename", std::string("snapshot_iter_{.iteration}")}}),
             Contains("only {epoch} and {iteration} may appear in braces"));
  CHECK_THAT(refused({{"filename", std::string("snaps/iter_{iteration}")}}), Contains("without '/'"));
  CHECK_THAT(refused({{"filename", std::string(".tmp.iter_{iteration}")}}), Contains("reserved for temp files"));
  CHECK_THAT(refused({{"filename", std::string("")}}), Contains("must be a plain file name"));
  CHECK_THAT(refused({{"filename", std::string("s_{epoch}{iteration}")}}), Contains("separated by some text"));

  host.offer_snapshot_service = false;
  auto r = Instance::try_create(plugin, host, "snapshot", {});
  CHECK(r.first == TK_ERR_INVALID);
  CHECK_THAT(r.second, Contains("trainkit.snapshot/1"));
}

TEST_CASE("snapshot: a process writer whose writer process cannot start fails create, not the first snapshot") {
  std::string writer = GENERATE(as<std::string>{}, "process", "process_queue");
  INFO("writer = " << writer);
  SnapshotHost host;
  Plugin plugin("snapshot", host);
  host.snapshots.writer_missing = "/nowhere/trainkit-snapshot-writer";
  auto r = Instance::try_create(plugin, host, "snapshot", {{"writer", writer}});
  CHECK(r.first == TK_ERR_IO);
  CHECK_THAT(r.second, Contains("cannot start the snapshot writer /nowhere/trainkit-snapshot-writer"));
  CHECK(Instance::try_create(plugin, host, "snapshot", {{"writer", std::string("thread")}}).first == TK_OK);
}

// ---- writing ---------------------------------------------------------------------------------------

TEST_CASE("snapshot: the filename template names each file in out/") {
  SECTION("the default, snapshot_iter_{iteration}") {
    Run run;
    run.ext->initialize(run.ctx);
    run.step(20);
    run.ext->finalize(run.ctx);
    CHECK(run.files(true) == Strings{"snapshot_iter_20"});  // no temp file left behind (Chainer)
    CHECK(read_file(run.file("snapshot_iter_20")) == content(20));
  }
  SECTION("{epoch} and {iteration}, with target and format passed to the service") {
    Run run({{"filename", std::string("snap_e{epoch}_i{iteration}.tk")},
             {"target", std::string("model")},
             {"format", std::string("torch")}});
    run.ext->initialize(run.ctx);
    run.step(20);
    run.step(35);
    run.ext->finalize(run.ctx);
    CHECK(run.files(true) == Strings{"snap_e2_i20.tk", "snap_e3_i35.tk"});
    CHECK(read_file(run.file("snap_e3_i35.tk")) == FakeSnapshots::content(35, "model", "torch"));
  }
}

TEST_CASE("snapshot: n_retains=3 over 10 iterations keeps only _8, _9 and _10 (as in ppe), for every writer") {
  std::string writer = GENERATE_COPY(from_range(kAllWriters));
  INFO("writer = " << writer);
  Run run({{"writer", writer}, {"n_retains", int64_t{3}}});
  run.ext->initialize(run.ctx);
  for (int it = 1; it <= 10; ++it) run.step(it);
  run.ext->finalize(run.ctx);
  CHECK(run.files(true) == Strings{"snapshot_iter_10", "snapshot_iter_8", "snapshot_iter_9"});
}

TEST_CASE("snapshot: a fixed filename is rewritten and never deleted by n_retains") {
  Run run({{"filename", std::string("latest")}, {"n_retains", int64_t{1}}});
  run.ext->initialize(run.ctx);
  for (int it = 1; it <= 3; ++it) run.step(it);
  run.ext->finalize(run.ctx);
  CHECK(run.files(true) == Strings{"latest"});
  CHECK(read_file(run.file("latest")) == content(3));
}

TEST_CASE("snapshot: condition names an observation key that must be present and non-zero") {
  Run run({{"condition", std::string("is_best")}});
  run.ext->initialize(run.ctx);
  run.step(1);  // key absent
  run.ctx.observation.set("is_best", 0.0);
  run.step(2);
  run.ctx.observation.set("is_best", 1.0);
  run.step(3);
  run.ctx.observation.set("is_best", -0.5);
  run.step(4);
  run.ext->finalize(run.ctx);
  CHECK(run.files() == Strings{"snapshot_iter_3", "snapshot_iter_4"});
  CHECK(run.host.snapshots.write_nows == 2);
}

TEST_CASE("snapshot: every writer writes the state as it was at the call, though the write happens later") {
  std::string writer = GENERATE_COPY(from_range(kAllWriters));
  INFO("writer = " << writer);
  Run run({{"writer", writer}});
  run.host.snapshots.write_delay_ms = 30;
  run.ext->initialize(run.ctx);
  for (int it = 1; it <= 4; ++it) run.step(it);  // step() moves the live state on right after each call
  run.ext->finalize(run.ctx);

  REQUIRE(run.files(true) == Strings{"snapshot_iter_1", "snapshot_iter_2", "snapshot_iter_3", "snapshot_iter_4"});
  for (int it = 1; it <= 4; ++it) CHECK(read_file(run.file("snapshot_iter_" + std::to_string(it))) == content(it));

  FakeSnapshots& s = run.host.snapshots;
  if (!is_async(writer)) {
    CHECK(s.write_nows == 4);  // streams the live state: no second copy
    CHECK(s.captures == 0);
    return;
  }
  CHECK(s.write_nows == 0);
  CHECK(s.captures == 4);
  CHECK(s.releases == 4);  // every copy given back (a process writer's once its process answered)
  CHECK(s.outstanding == 0);
  if (writer == "process") CHECK(s.writers_started == 4);  // one process per snapshot, as ppe's ProcessWriter
  if (writer == "process_queue") CHECK(s.writers_started == 1);  // one long-lived process
  CHECK(s.capture_threads == std::set<std::thread::id>{std::this_thread::get_id()});  // captured on the main thread
  if (forks(writer)) {
    CHECK(s.writes == 0);  // the children wrote, not this process
  } else {
    CHECK(s.writes == 4);
    CHECK(s.write_threads.count(std::this_thread::get_id()) == 0);
  }
}

TEST_CASE("snapshot: background writers keep at most one write in flight") {
  std::string writer = GENERATE(as<std::string>{}, "thread", "process", "thread_queue", "process_queue");
  INFO("writer = " << writer);
  Run run({{"writer", writer}, {"queue_size", int64_t{3}}});
  TempDir guard;  // a write that starts while another runs, in any process, fails
  run.host.snapshots.guard_dir = guard.path();
  run.host.snapshots.write_delay_ms = 40;
  run.ext->initialize(run.ctx);
  auto start = std::chrono::steady_clock::now();
  for (int it = 1; it <= 5; ++it) run.step(it);
  double calls = seconds_since(start);
  run.ext->finalize(run.ctx);  // would fail with "two writes at once"
  CHECK(run.files().size() == 5);
  CHECK(run.host.snapshots.max_in_flight <= 1);
  if (writer == "thread" || writer == "process") {
    CHECK(run.host.snapshots.max_outstanding <= 1);  // the previous write is joined before the next capture
    CHECK(calls >= 4 * 0.040 * 0.9);                  // so the 2nd..5th calls each waited for one write
  }
}

TEST_CASE("snapshot: a full queue blocks the trainer instead of growing memory") {
  std::string writer = GENERATE(as<std::string>{}, "thread_queue", "process_queue");
  int64_t queue_size = GENERATE(int64_t{1}, int64_t{2});
  INFO("writer = " << writer << ", queue_size = " << queue_size);
  Run run({{"writer", writer}, {"queue_size", queue_size}});
  run.host.snapshots.write_delay_ms = 40;
  run.ext->initialize(run.ctx);
  auto start = std::chrono::steady_clock::now();
  const int n = 8;
  int max_children = 0;
  for (int it = 1; it <= n; ++it) {
    run.step(it);
    max_children = std::max(max_children, child_processes());
  }
  double calls = seconds_since(start);
  run.ext->finalize(run.ctx);
  CHECK(child_processes() == 0);

  CHECK(run.files().size() == static_cast<size_t>(n));
  // Snapshots alive at once: the queued ones plus the one being written, whose copy a process_queue keeps
  // until its one writer process answered (Note [Writer processes] in writers.cpp).
  CHECK(run.host.snapshots.max_outstanding <= queue_size + 1);
  CHECK(run.host.snapshots.max_outstanding >= queue_size);  // the queue did fill
  if (writer == "process_queue") CHECK(max_children == 1);
  CHECK(run.host.snapshots.max_in_flight <= 1);
  // Only queue_size + 1 snapshots fit without waiting; every later call waited for one write.
  CHECK(calls >= static_cast<double>(n - queue_size - 1) * 0.040 * 0.9);
}

// ---- retention -------------------------------------------------------------------------------------

TEST_CASE("snapshot: retention never deletes a file it did not write, nor a temp file") {
  std::string writer = GENERATE_COPY(from_range(kAllWriters));
  INFO("writer = " << writer);
  Run run({{"writer", writer}, {"n_retains", int64_t{2}}});
  write_file(run.file("snapshot_iter_1"), content(1));  // matches the template, written by someone else
  write_file(run.file(".tmp.snapshot_iter_2.a1b2c3"), "partial");
  write_file(run.file("snapshot_iter_3.bak"), "noise");
  run.ext->initialize(run.ctx);
  for (int it : {2, 4, 6, 8}) run.step(it);
  run.ext->finalize(run.ctx);
  CHECK(run.files(true) == Strings{".tmp.snapshot_iter_2.a1b2c3", "snapshot_iter_1", "snapshot_iter_3.bak",
                                   "snapshot_iter_6", "snapshot_iter_8"});
}

TEST_CASE("snapshot: retention survives a save and load of the instance's state") {
  SnapshotHost host;
  Plugin plugin("snapshot", host);
  TempDir dir;
  TestContext ctx;
  ctx.out_dir = dir.path();
  Options options{{"n_retains", int64_t{2}}};
  MemoryState state;
  {
    Instance first(plugin, host, "snapshot", options);
    first.initialize(ctx);
    for (int it : {1, 2, 3}) {
      ctx.iteration = it;
      first.call(ctx);
    }
    first.save(state);
    first.finalize(ctx);
  }
  REQUIRE(std::get<std::string>(state.values.at("files")) == R"(["snapshot_iter_2", "snapshot_iter_3"])");
  write_file(dir.file("snapshot_iter_1"), content(1));  // not in the list any more: not this run's to delete

  Instance resumed(plugin, host, "snapshot", options);
  resumed.load(state, 1);
  resumed.initialize(ctx);
  for (int it : {4, 5}) {
    ctx.iteration = it;
    resumed.call(ctx);
  }
  resumed.finalize(ctx);
  CHECK(list_dir(dir.path(), true) == Strings{"snapshot_iter_1", "snapshot_iter_4", "snapshot_iter_5"});
}

TEST_CASE("snapshot: the saved file list already names the file still being written") {
  Run run({{"writer", std::string("thread")}, {"n_retains", int64_t{5}}});
  run.host.snapshots.write_delay_ms = 300;
  run.ext->initialize(run.ctx);
  run.step(10);
  MemoryState state;
  run.ext->save(state);  // as the host's capture does, while snapshot_iter_10 is on its way
  CHECK(std::get<std::string>(state.values.at("files")) == R"(["snapshot_iter_10"])");
  run.ext->finalize(run.ctx);
}

TEST_CASE("snapshot: a saved file list that names something other than a snapshot file is refused") {
  std::string bad = GENERATE(as<std::string>{}, R"(["../outside"])", R"([".tmp.snapshot_iter_1.x"])", R"([""])",
                             R"({"a": 1})", R"([1])");
  INFO(bad);
  Run run;
  MemoryState state;
  state.values["files"] = bad;
  CHECK_THROWS_WITH(run.ext->load(state, 1), Contains("status -1"));
}

// ---- resume ----------------------------------------------------------------------------------------

TEST_CASE("snapshot: autoload picks the highest valid iteration and falls back past a corrupt newest file") {
  Run run({{"autoload", true}});
  write_file(run.file("snapshot_iter_10"), content(10));
  write_file(run.file("snapshot_iter_20"), content(20));
  write_file(run.file("snapshot_iter_30"), content(30).substr(0, 20));   // a partial write
  write_file(run.file(".tmp.snapshot_iter_40.x1y2z3"), content(40));      // hidden temp: never a candidate
  write_file(run.file("snapshot_iter_50.model"), content(50));            // another instance's template
  write_file(run.file("other_60"), content(60));
  set_mtime(run.file("snapshot_iter_10"), 2000000000);                    // newest by mtime: not what counts

  CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_iter_20"));
  auto warnings = run.host.logs_at(TK_LOG_WARNING);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Contains("snapshot_iter_30") && Contains("truncated"));
  // Verified from the highest number in the name down; snapshot_iter_10 cannot beat 20, so it is not read.
  CHECK(run.host.snapshots.verified == Strings{"snapshot_iter_30", "snapshot_iter_20"});
}

TEST_CASE("snapshot: autoload skips files the service says are bad, down to the oldest") {
  Run run({{"autoload", true}});
  for (int it : {1, 2, 3}) write_file(run.file("snapshot_iter_" + std::to_string(it)), content(it));
  run.host.snapshots.fail_verify = {{"snapshot_iter_3", "checksum mismatch in model/fc1.weight"},
                                    {"snapshot_iter_2", "written by a newer trainkit"}};
  CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_iter_1"));
  auto warnings = run.host.logs_at(TK_LOG_WARNING);
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0], Contains("snapshot_iter_3") && Contains("checksum mismatch"));
  CHECK_THAT(warnings[1], Contains("snapshot_iter_2") && Contains("newer trainkit"));

  run.host.snapshots.fail_verify["snapshot_iter_1"] = "not a trainkit snapshot";
  CHECK(run.ext->find_resume_point(run.ctx, false) == "");
  CHECK_THAT(run.host.logs_at(TK_LOG_INFO).back(),
             Contains("no snapshot to resume from in " + run.dir.path()) && Contains("3 matching files"));
}

TEST_CASE("snapshot: a trainer snapshot never resumes from a file that records no iteration") {
  std::string model_only = "tkfake-snapshot\ntarget=model\nformat=trainkit\nend\n";
  SECTION("target trainer skips it with a warning") {
    Run run({{"autoload", true}});
    write_file(run.file("snapshot_iter_5"), content(5));
    write_file(run.file("snapshot_iter_9"), model_only);
    CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_iter_5"));
    auto warnings = run.host.logs_at(TK_LOG_WARNING);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("snapshot_iter_9") && Contains("not a trainer snapshot"));
  }
  SECTION("target model takes it") {
    Run run({{"autoload", true}, {"target", std::string("model")}});
    write_file(run.file("snapshot_iter_9"), model_only);
    CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_iter_9"));
  }
}

TEST_CASE("snapshot: without {iteration} in the name, every match is verified and ties go to the newest mtime") {
  Run run({{"autoload", true}, {"filename", std::string("snapshot_epoch_{epoch}")}});
  write_file(run.file("snapshot_epoch_1"), content(10));
  write_file(run.file("snapshot_epoch_2"), content(10));  // the same iteration recorded (an on-stop rewrite)
  write_file(run.file("snapshot_epoch_3"), content(5));
  set_mtime(run.file("snapshot_epoch_1"), 2000000000);
  set_mtime(run.file("snapshot_epoch_2"), 1900000000);
  CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_epoch_1"));
  CHECK(run.host.snapshots.verifies == 3);
}

TEST_CASE("snapshot: find_resume_point answers nothing when no file matches") {
  SECTION("autoload, empty out/: a notice") {
    Run run({{"autoload", true}});
    write_file(run.file("log"), "[]");
    write_file(run.file("snapshot_iter_x"), content(1));
    CHECK(run.ext->find_resume_point(run.ctx, false) == "");
    CHECK(run.host.snapshots.verifies == 0);
    CHECK(run.host.logs_at(TK_LOG_INFO) == Strings{"no snapshot to resume from in " + run.dir.path()});
  }
  SECTION("--resume without a path, out/ not created yet") {
    Run run;
    run.ctx.out_dir = run.dir.file("not_yet");
    CHECK(run.ext->find_resume_point(run.ctx, true) == "");
    CHECK(run.host.logs_at(TK_LOG_INFO) == Strings{"no snapshot to resume from in " + run.ctx.out_dir});
  }
  SECTION("neither autoload nor --resume: out/ is not even read") {
    Run run;
    write_file(run.file("snapshot_iter_5"), content(5));
    CHECK(run.ext->find_resume_point(run.ctx, false) == "");
    CHECK(run.host.snapshots.verifies == 0);
    CHECK(run.host.logs().empty());
  }
  SECTION("--resume without autoload finds the snapshot") {
    Run run;
    write_file(run.file("snapshot_iter_5"), content(5));
    CHECK(run.ext->find_resume_point(run.ctx, true) == run.file("snapshot_iter_5"));
  }
}

TEST_CASE("snapshot: a run that finds its own last snapshot resumes from it (as in ppe)") {
  TempDir dir;
  {
    Run first({{"autoload", true}, {"n_retains", int64_t{2}}});
    first.ctx.out_dir = dir.path();
    CHECK(first.ext->find_resume_point(first.ctx, false) == "");
    first.ext->initialize(first.ctx);
    for (int it : {10, 20, 30}) first.step(it);
    first.ext->finalize(first.ctx);
  }
  Run second({{"autoload", true}, {"n_retains", int64_t{2}}});
  second.ctx.out_dir = dir.path();
  CHECK(second.ext->find_resume_point(second.ctx, false) == dir.file("snapshot_iter_30"));
}

// ---- errors ----------------------------------------------------------------------------------------

TEST_CASE("snapshot: snapshot_on_error writes a snapshot from on_error (as in Chainer)") {
  std::string writer = GENERATE(as<std::string>{}, "simple", "thread", "process_queue");
  INFO("writer = " << writer);
  SECTION("on") {
    Run run({{"snapshot_on_error", true}, {"writer", writer}, {"condition", std::string("never_reported")}});
    run.ext->initialize(run.ctx);
    run.ctx.iteration = 7;
    run.host.snapshots.live_iteration = 7;
    run.ext->on_error(run.ctx, "loss is NaN");
    CHECK(run.files() == Strings{"snapshot_iter_7"});  // synchronous: in place when on_error returns
    CHECK(read_file(run.file("snapshot_iter_7")) == content(7));
    run.ext->finalize(run.ctx);
  }
  SECTION("off (the default)") {
    Run run({{"writer", writer}});
    run.ext->initialize(run.ctx);
    run.ctx.iteration = 7;
    run.ext->on_error(run.ctx, "loss is NaN");
    run.ext->finalize(run.ctx);
    CHECK(run.files().empty());
  }
}

TEST_CASE("snapshot: a failed background write fails finalize with the reason") {
  std::string writer = GENERATE(as<std::string>{}, "thread", "process", "thread_queue", "process_queue");
  INFO("writer = " << writer);
  Run run({{"writer", writer}, {"n_retains", int64_t{1}}});
  run.host.snapshots.fail_write = {"snapshot_iter_2"};
  run.ext->initialize(run.ctx);
  run.step(1);
  run.step(2);  // a background failure: the call itself cannot know yet
  auto r = run.ext->try_finalize(run.ctx);
  CHECK(r.first == TK_ERR_IO);
  CHECK_THAT(r.second, Contains("snapshot_iter_2") && Contains("no space left on device (fake)"));
  CHECK(run.files() == Strings{"snapshot_iter_1"});  // the failed file never counted for retention
}

TEST_CASE("snapshot: a failed background write fails the next call, once") {
  std::string writer = GENERATE(as<std::string>{}, "thread", "process");
  INFO("writer = " << writer);
  Run run({{"writer", writer}});
  run.host.snapshots.fail_write = {"snapshot_iter_1"};
  run.ext->initialize(run.ctx);
  run.step(1);
  run.ctx.iteration = 2;
  auto r = run.ext->try_call(run.ctx);
  CHECK(r.first == TK_ERR_IO);
  CHECK_THAT(r.second, Contains("writing snapshot snapshot_iter_1: no space left on device (fake)"));
  CHECK(run.ext->try_finalize(run.ctx).first == TK_OK);  // reported once
}

TEST_CASE("snapshot: a failed simple write fails the call at once") {
  Run run;
  run.host.snapshots.fail_write = {"snapshot_iter_3"};
  run.ext->initialize(run.ctx);
  run.ctx.iteration = 3;
  auto r = run.ext->try_call(run.ctx);
  CHECK(r.first == TK_ERR_IO);
  CHECK_THAT(r.second, Contains("snapshot_iter_3") && Contains("no space left"));
}

TEST_CASE("snapshot: destroying the instance without finalize still waits for the write in flight") {
  std::string writer = GENERATE(as<std::string>{}, "thread", "process", "thread_queue", "process_queue");
  INFO("writer = " << writer);
  Run run({{"writer", writer}});
  run.host.snapshots.write_delay_ms = 50;
  run.ext->initialize(run.ctx);
  run.step(1);
  run.step(2);
  run.ext.reset();
  CHECK(run.files(true) == Strings{"snapshot_iter_1", "snapshot_iter_2"});
}

// ---- ranks -----------------------------------------------------------------------------------------

TEST_CASE("snapshot: in a run of several ranks only saver_rank writes, and every rank waits for it") {
  SECTION("another rank writes nothing") {
    Run run({}, /*rank=*/1, /*world_size=*/2);
    run.ext->initialize(run.ctx);
    run.step(1);
    run.ext->finalize(run.ctx);
    CHECK(run.files().empty());
    CHECK(run.host.barriers == 1);  // default mode with several ranks is distributed: a barrier per snapshot
  }
  SECTION("saver_rank = 1 writes on rank 1") {
    Run run({{"saver_rank", int64_t{1}}}, 1, 2);
    run.ext->initialize(run.ctx);
    run.step(1);
    run.ext->finalize(run.ctx);
    CHECK(run.files() == Strings{"snapshot_iter_1"});
    CHECK(run.host.barriers == 1);
  }
  SECTION("one process: no barrier") {
    Run run;
    run.step(1);
    CHECK(run.host.barriers == 0);
  }
  SECTION("snapshot_on_error: only the saver writes, without a barrier") {
    Run on_saver({{"snapshot_on_error", true}}, 0, 2), elsewhere({{"snapshot_on_error", true}}, 1, 2);
    on_saver.ctx.iteration = elsewhere.ctx.iteration = 7;
    on_saver.ext->on_error(on_saver.ctx, "boom");
    elsewhere.ext->on_error(elsewhere.ctx, "boom");
    CHECK(on_saver.files() == Strings{"snapshot_iter_7"});
    CHECK(elsewhere.files().empty());
    CHECK(on_saver.host.barriers + elsewhere.host.barriers == 0);
  }
}

// ---- sharded: Note [Sharded steps] ----------------------------------------------------------------------

TEST_CASE("snapshot: sharded mode writes this rank's part into the step folder; the saver marks it complete") {
  SECTION("the saver") {
    Run run({{"snapshot_mode", std::string("sharded")}});
    run.step(4);
    CHECK(run.files() == Strings{"snapshot_iter_4"});
    CHECK(list_dir(run.file("snapshot_iter_4"), true) == Strings{"complete", "rank_0"});
    CHECK(read_file(run.file("snapshot_iter_4/rank_0")) == content(4));
    CHECK(read_file(run.file("snapshot_iter_4/complete")) == "{\"iteration\":4,\"world_size\":1}\n");
    CHECK(run.host.barriers == 2);  // after unmarking, after every part
  }
  SECTION("another rank: its part only") {
    Run run({{"snapshot_mode", std::string("sharded")}}, 1, 2);
    run.step(4);
    CHECK(list_dir(run.file("snapshot_iter_4"), true) == Strings{"rank_1"});
    CHECK(run.host.barriers == 2);
  }
  SECTION("a folder rewritten under a fixed name loses its old marker before any part is written") {
    Run run({{"snapshot_mode", std::string("sharded")}, {"filename", std::string("latest")}});
    run.step(4);
    bool marked_while_writing = true;
    run.host.snapshots.while_writing = [&] { marked_while_writing = file_exists(run.file("latest/complete")); };
    run.step(8);
    CHECK_FALSE(marked_while_writing);
    CHECK(read_file(run.file("latest/complete")) == "{\"iteration\":8,\"world_size\":1}\n");
  }
}

TEST_CASE("snapshot: sharded retention deletes whole step folders, only on the saver") {
  Run run({{"snapshot_mode", std::string("sharded")}, {"n_retains", int64_t{2}}});
  for (int64_t it : {1, 2, 3}) run.step(it);
  CHECK(run.files() == Strings{"snapshot_iter_2", "snapshot_iter_3"});
  Run other({{"snapshot_mode", std::string("sharded")}, {"n_retains", int64_t{1}}}, 1, 2);
  for (int64_t it : {1, 2}) other.step(it);
  CHECK(other.files() == Strings{"snapshot_iter_1", "snapshot_iter_2"});
}

TEST_CASE("snapshot: sharded autoload takes the newest step whose marker exists and whose part verifies") {
  Run run({{"snapshot_mode", std::string("sharded")}, {"autoload", true}});
  for (int64_t it : {4, 8, 12}) run.step(it);
  std::filesystem::remove(run.file("snapshot_iter_12/complete"));  // a step some rank never finished
  run.host.snapshots.fail_verify["rank_0"] = "checksum mismatch (fake)";
  CHECK(run.ext->find_resume_point(run.ctx, false).empty());
  run.host.snapshots.fail_verify.clear();
  CHECK(run.ext->find_resume_point(run.ctx, false) == run.file("snapshot_iter_8/rank_0"));
}
