// checkpoint: PyTorch-Ignite's Checkpoint + DiskSaver through the plugin's C ABI, against a fake snapshot
// service that writes real files (fake_snapshot_service.h). The cases of Ignite's test_checkpoint.py, with
// ".pt" read as trainkit's ".tkpt", and the crash window Ignite leaves open (it deletes before it writes).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "fake_snapshot_service.h"
#include "process.h"

using namespace tk_test;
using Catch::Matchers::Contains;

namespace {

// The checkpoint plugin only streams the live state (write_now): a capture, write or verify fails the test.
struct CheckpointHost : SnapshotHost {
  CheckpointHost() { snapshots.write_now_only = true; }
};

const char* const kAcc = "validation/main/accuracy";

// One checkpoint extension in a fresh out/ folder, driven like the trainer drives it.
struct Run {
  explicit Run(Options options = {}) : plugin("checkpoint", host) {
    ctx.out_dir = dir.path();
    ext = std::make_unique<Instance>(plugin, host, "checkpoint", options);
  }
  // The trainer reached iteration `it` (the evaluator reported `score` under kAcc) and the trigger fired.
  void step(int64_t it, std::optional<double> score = std::nullopt) {
    ctx.iteration = it;
    if (score) ctx.observation.set(kAcc, *score);
    host.snapshots.live_iteration = it;
    ext->call(ctx);
  }
  std::string file(const std::string& name) const { return dir.file(name); }
  Strings files(bool with_hidden = false) const { return list_dir(dir.path(), with_hidden); }
  Strings written() const {
    Strings names;
    for (auto& w : host.snapshots.written) names.push_back(w.name);
    return names;
  }
  std::string saved_state() {
    MemoryState state;
    ext->save(state);
    return std::get<std::string>(state.values.at("saved"));
  }

  CheckpointHost host;
  Plugin plugin;
  TempDir dir;
  TestContext ctx;
  std::unique_ptr<Instance> ext;
};

std::string content(int64_t iteration, const std::string& target = "model", const std::string& format = "trainkit") {
  return FakeSnapshots::content(iteration, target, format);
}

Strings sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

// ---- the class -------------------------------------------------------------------------------------

TEST_CASE("checkpoint: refuses bad option values at create with a clear message") {
  CheckpointHost host;
  Plugin plugin("checkpoint", host);
  auto refused = [&](Options o) {
    auto r = Instance::try_create(plugin, host, "checkpoint", o);
    CHECK(r.first == TK_ERR_INVALID);
    return r.second;
  };
  // Ignite: n_saved < 1 is a ValueError; TOML has no None, so -1 keeps everything.
  CHECK_THAT(refused({{"n_saved", int64_t{0}}}), Contains("n_saved must be at least 1, or -1 to keep every checkpoint") && Contains("got 0"));
  CHECK_THAT(refused({{"n_saved", int64_t{-2}}}), Contains("got -2"));
  // Ignite's get_default_score_fn: score_sign must be 1 or -1.
  CHECK_THAT(refused({{"score_key", std::string(kAcc)}, {"score_sign", 0.5}}), Contains("score_sign must be 1 or -1"));
  CHECK_THAT(refused({{"score_sign", -1.0}}), Contains("score_sign needs a score"));
  CHECK_THAT(refused({{"objects", Strings{"model", "scheduler"}}}), Contains("\"scheduler\" is not one of"));
  CHECK_THAT(refused({{"objects", Strings{"model", "model"}}}), Contains("objects names \"model\" twice"));
  CHECK_THAT(refused({{"objects", Strings{}}}), Contains("objects is empty"));
  CHECK_THAT(refused({{"global_step", std::string("step")}}), Contains("global_step must be one of \"\", \"iteration\", \"epoch\""));
  CHECK_THAT(refused({{"format", std::string("npz")}}), Contains("format must be one of \"trainkit\", \"torch\""));
  // Ignite: "SAVE-{random_key}.{ext}" raises KeyError; here at create, before anything trains.
  CHECK_THAT(refused({{"filename_pattern", std::string("SAVE-{random_key}.{ext}")}}),
             Contains("unknown placeholder {random_key}") && Contains("{filename_prefix}, {name}, {global_step}"));
  CHECK_THAT(refused({{"filename_pattern", std::string("{}.{ext}")}}), Contains("positional"));
  CHECK_THAT(refused({{"filename_pattern", std::string("{name}_{score:.2f}.{ext}")}}), Contains("format specs are not supported"));
  CHECK_THAT(refused({{"filename_pattern", std::string("{name}_{global_step.{ext}")}}), Contains("'{' inside"));
  CHECK_THAT(refused({{"filename_pattern", std::string("{name}_{global_step")}}), Contains("without a closing '}'"));
  CHECK_THAT(refused({{"filename_pattern", std::string("{name}}.{ext}")}}), Contains("single '}'"));
  CHECK_THAT(refused({{"filename_pattern", std::string("ckpt/{name}.{ext}")}}), Contains("must not contain '/'"));
  CHECK_THAT(refused({{"filename_prefix", std::string("a/b")}}), Contains("filename_prefix \"a/b\""));
  CHECK_THAT(refused({{"ext", std::string("x/y")}}), Contains("ext \"x/y\""));

  host.offer_snapshot_service = false;
  auto r = Instance::try_create(plugin, host, "checkpoint", {});
  CHECK(r.first == TK_ERR_INVALID);
  CHECK_THAT(r.second, Contains("trainkit.snapshot/1"));
}

// ---- file names ------------------------------------------------------------------------------------

// Ignite's file name table (its setup_filename_pattern), for state epoch=12, iteration=203, score=0.9999.
TEST_CASE("checkpoint: file names follow Ignite's table") {
  using Row = std::tuple<std::string, Options, std::string>;
  auto row = GENERATE(
      Row{"default: the iteration", {}, "model_203.tkpt"},
      Row{"prefix", {{"filename_prefix", std::string("best")}}, "best_model_203.tkpt"},
      Row{"score", {{"score_key", std::string(kAcc)}}, "model_0.9999.tkpt"},
      Row{"score + global step", {{"score_key", std::string(kAcc)}, {"global_step", std::string("epoch")}}, "model_12_0.9999.tkpt"},
      Row{"score name alone is also the score key", {{"score_name", std::string("acc")}}, "model_acc=0.9999.tkpt"},
      Row{"score + score name", {{"score_key", std::string(kAcc)}, {"score_name", std::string("acc")}}, "model_acc=0.9999.tkpt"},
      Row{"score + score name + global step",
          {{"score_key", std::string(kAcc)}, {"score_name", std::string("acc")}, {"global_step", std::string("epoch")}},
          "model_12_acc=0.9999.tkpt"},
      Row{"global step alone", {{"global_step", std::string("epoch")}}, "model_12.tkpt"},
      Row{"global step = iteration with a score", {{"score_key", std::string(kAcc)}, {"global_step", std::string("iteration")}},
          "model_203_0.9999.tkpt"},
      Row{"everything with a prefix",
          {{"filename_prefix", std::string("best")}, {"score_key", std::string(kAcc)}, {"score_name", std::string("acc")},
           {"global_step", std::string("epoch")}},
          "best_model_12_acc=0.9999.tkpt"},
      Row{"{name}.{ext}: a fixed name", {{"filename_pattern", std::string("{name}.{ext}")}}, "model.tkpt"},
      Row{"custom pattern with nothing set",
          {{"filename_pattern", std::string("{global_step}-chk-{filename_prefix}-{name}-{score_name}-{score}.{ext}")}},
          "203-chk--model-None-None.tkpt"},
      Row{"custom pattern with a score and no global step",
          {{"filename_pattern", std::string("{global_step}-{score}.{ext}")}, {"score_key", std::string(kAcc)}},
          "None-0.9999.tkpt"},
      Row{"literal braces", {{"filename_pattern", std::string("{{{name}}}.{ext}")}}, "{model}.tkpt"},
      Row{"two objects: checkpoint", {{"objects", Strings{"model", "optimizer"}}}, "checkpoint_203.tkpt"},
      Row{"one object: its name", {{"objects", Strings{"optimizer"}}}, "optimizer_203.tkpt"},
      Row{"format torch: .pt", {{"format", std::string("torch")}}, "model_203.pt"},
      Row{"ext", {{"ext", std::string("bin")}, {"format", std::string("torch")}}, "model_203.bin"});
  INFO(std::get<0>(row));
  Run run(std::get<1>(row));
  run.ctx.iterations_per_epoch = 16;  // iteration 203 is in epoch 12
  run.ctx.observation.set("acc", 0.9999);
  run.step(203, 0.9999);
  CHECK(run.files(true) == Strings{std::get<2>(row)});
  CHECK(run.host.snapshots.written.size() == 1);
}

TEST_CASE("checkpoint: a score name with '/' (an observation key path) is refused at create") {
  // Ignite would write into a sub-folder; a checkpoint is a plain file in out/, so say how to name it.
  CheckpointHost host;
  Plugin plugin("checkpoint", host);
  auto r = Instance::try_create(plugin, host, "checkpoint", {{"score_name", std::string(kAcc)}});
  CHECK(r.first == TK_ERR_INVALID);
  CHECK_THAT(r.second, Contains("score_name \"validation/main/accuracy\"") && Contains("must not contain '/'") &&
                           Contains("score_key = \"validation/main/accuracy\""));
}

TEST_CASE("checkpoint: the default keeps the newest iteration and says which file is last") {
  Run run;
  run.step(0);
  CHECK(run.files() == Strings{"model_0.tkpt"});
  run.step(1234);
  CHECK(run.files(true) == Strings{"model_1234.tkpt"});
  CHECK(read_file(run.file("model_1234.tkpt")) == content(1234));
  CHECK(run.host.snapshots.written.at(0).target == "model");
  CHECK(run.host.snapshots.written.at(0).format == "trainkit");
  CHECK_THAT(run.host.logs_at(TK_LOG_INFO).back(),
             Contains("saved " + run.file("model_1234.tkpt")) &&
                 Contains("last_checkpoint = " + run.file("model_1234.tkpt")));
}

TEST_CASE("checkpoint: scores are formatted .4f, the trainer's counters as integers") {
  SECTION("0.77 then 0.78") {
    Run run({{"score_key", std::string(kAcc)}});
    run.step(1, 0.77);
    CHECK(run.files() == Strings{"model_0.7700.tkpt"});
    run.step(2, 0.78);
    CHECK(run.files() == Strings{"model_0.7800.tkpt"});
  }
  SECTION("score name and the trainer's epoch as global step") {
    Run run({{"score_key", std::string(kAcc)}, {"score_name", std::string("val_acc")}, {"global_step", std::string("epoch")}});
    run.ctx.iterations_per_epoch = 1;
    run.step(11, 0.77);
    run.step(12, 0.78);
    CHECK(run.files() == Strings{"model_12_val_acc=0.7800.tkpt"});
    CHECK(run.written() == Strings{"model_11_val_acc=0.7700.tkpt", "model_12_val_acc=0.7800.tkpt"});
  }
  SECTION("the epoch as the score: integral, no .4f") {
    Run run({{"score_key", std::string("epoch")}});
    run.ctx.iterations_per_epoch = 1;
    run.step(1);
    CHECK(run.files() == Strings{"model_1.tkpt"});
    run.step(12);
    CHECK(run.files() == Strings{"model_12.tkpt"});
  }
  SECTION("score_name epoch alone: the score key too") {
    Run run({{"score_name", std::string("epoch")}});
    run.ctx.iterations_per_epoch = 1;
    run.step(1);
    CHECK(run.files() == Strings{"model_epoch=1.tkpt"});
  }
  SECTION("an observed value that happens to be whole is still a double") {
    Run run({{"score_key", std::string(kAcc)}});
    run.step(1, 1.0);
    CHECK(run.files() == Strings{"model_1.0000.tkpt"});
  }
  SECTION("the iteration as the score, lower is better") {
    Run run({{"score_key", std::string("iteration")}, {"score_sign", -1.0}, {"n_saved", int64_t{2}}});
    for (int it : {5, 3, 9, 1}) run.step(it);
    CHECK(run.files() == Strings{"model_-1.tkpt", "model_-3.tkpt"});
  }
}

TEST_CASE("checkpoint: score_sign -1 keeps the lowest losses, named by their signed priority") {
  Run run({{"score_key", std::string("validation/main/loss")}, {"score_name", std::string("val_loss")},
           {"score_sign", int64_t{-1}}, {"n_saved", int64_t{2}}});
  for (auto [it, loss] : std::vector<std::pair<int, double>>{{1, 0.5}, {2, 0.3}, {3, 0.4}, {4, 0.45}}) {
    run.ctx.observation.set("validation/main/loss", loss);
    run.step(it);
  }
  CHECK(run.files() == Strings{"model_val_loss=-0.3000.tkpt", "model_val_loss=-0.4000.tkpt"});
  CHECK_THAT(run.host.logs_at(TK_LOG_INFO).back(), Contains("last_checkpoint = " + run.file("model_val_loss=-0.3000.tkpt")));
}

// ---- retention -------------------------------------------------------------------------------------

TEST_CASE("checkpoint: n_saved=2 keeps the two best scores") {
  Run run({{"score_key", std::string(kAcc)}, {"n_saved", int64_t{2}}, {"filename_prefix", std::string("PREFIX")}});
  for (double score : {1.2, -2.0, 3.1, -4.0}) run.step(1, score);
  CHECK(run.files(true) == Strings{"PREFIX_model_1.2000.tkpt", "PREFIX_model_3.1000.tkpt"});
  CHECK(run.written() == Strings{"PREFIX_model_1.2000.tkpt", "PREFIX_model_-2.0000.tkpt", "PREFIX_model_3.1000.tkpt"});
  // Ignite's last_checkpoint is the highest priority, not the newest file.
  CHECK_THAT(run.host.logs_at(TK_LOG_INFO).back(), Contains("last_checkpoint = " + run.file("PREFIX_model_3.1000.tkpt")));
  CHECK(run.saved_state() == R"([[1.2, "PREFIX_model_1.2000.tkpt"], [3.1, "PREFIX_model_3.1000.tkpt"]])");
}

TEST_CASE("checkpoint: a score seen twice replaces its own file once, without errors") {
  Run run({{"score_key", std::string(kAcc)}, {"n_saved", int64_t{2}}});
  for (double score : {0.0, 1.0, 1.0, 2.0, 3.0}) run.step(1, score);
  CHECK(run.files(true) == Strings{"model_2.0000.tkpt", "model_3.0000.tkpt"});
  CHECK(run.written() == Strings{"model_0.0000.tkpt", "model_1.0000.tkpt", "model_1.0000.tkpt", "model_2.0000.tkpt",
                                 "model_3.0000.tkpt"});
  CHECK(run.host.logs_at(TK_LOG_WARNING).empty());
}

TEST_CASE("checkpoint: ties, with and without greater_or_equal") {
  SECTION("Ignite's case: scores 1, 2, 2, 2 with n_saved=2 write model_1 once, then model_2 three times") {
    bool greater_or_equal = GENERATE(false, true);
    INFO("greater_or_equal = " << greater_or_equal);
    Run run({{"score_key", std::string(kAcc)}, {"n_saved", int64_t{2}}, {"greater_or_equal", greater_or_equal}});
    for (double score : {1.0, 2.0, 2.0, 2.0}) run.step(1, score);
    CHECK(run.written() == Strings{"model_1.0000.tkpt", "model_2.0000.tkpt", "model_2.0000.tkpt", "model_2.0000.tkpt"});
    CHECK(run.files() == Strings{"model_1.0000.tkpt", "model_2.0000.tkpt"});
  }
  SECTION("an equal score under another name: kept only with greater_or_equal") {
    Options options{{"score_key", std::string(kAcc)}, {"n_saved", int64_t{1}}, {"global_step", std::string("iteration")}};
    SECTION("strictly greater (the default): the first one stays") {
      Run run(options);
      run.step(1, 0.5);
      run.step(2, 0.5);
      CHECK(run.files() == Strings{"model_1_0.5000.tkpt"});
      CHECK(run.host.snapshots.written.size() == 1);
    }
    SECTION("greater_or_equal: the newer one replaces it") {
      options["greater_or_equal"] = true;
      Run run(options);
      run.step(1, 0.5);
      run.step(2, 0.5);
      CHECK(run.files() == Strings{"model_2_0.5000.tkpt"});
      CHECK(run.host.snapshots.written.size() == 2);
      run.step(3, 0.4);  // lower: never
      CHECK(run.files() == Strings{"model_2_0.5000.tkpt"});
    }
  }
}

TEST_CASE("checkpoint: n_saved over iterations keeps the highest steps") {
  SECTION("n_saved=2 over iterations 0..8") {
    Run run({{"n_saved", int64_t{2}}, {"filename_prefix", std::string("PREFIX")}});
    for (int it = 0; it <= 8; ++it) run.step(it);
    CHECK(run.files(true) == Strings{"PREFIX_model_7.tkpt", "PREFIX_model_8.tkpt"});
  }
  SECTION("n_saved=-1 (Ignite's None) over 100 calls keeps 100 files") {
    Run run({{"n_saved", int64_t{-1}}, {"filename_prefix", std::string("PREFIX")}});
    Strings expected;
    for (int it = 0; it < 100; ++it) {
      run.step(it);
      expected.push_back("PREFIX_model_" + std::to_string(it) + ".tkpt");
    }
    CHECK(run.files(true) == sorted(expected));
  }
  SECTION("fired each epoch with 2 iterations per epoch, 4 epochs: _6 and _8") {
    Run run({{"n_saved", int64_t{2}}, {"filename_prefix", std::string("PREFIX")}});
    run.ctx.iterations_per_epoch = 2;
    for (int epoch = 1; epoch <= 4; ++epoch) run.step(2 * epoch);
    CHECK(run.files() == Strings{"PREFIX_model_6.tkpt", "PREFIX_model_8.tkpt"});
  }
}

TEST_CASE("checkpoint: a fixed file name is overwritten every time") {
  int64_t n_saved = GENERATE(int64_t{-1}, int64_t{1}, int64_t{3});
  INFO("n_saved = " << n_saved);
  Run run({{"filename_pattern", std::string("{name}.{ext}")}, {"n_saved", n_saved}});
  for (int it = 0; it < 10; ++it) run.step(it);
  CHECK(run.host.snapshots.written.size() == 10);
  CHECK(run.files(true) == Strings{"model.tkpt"});
  CHECK(read_file(run.file("model.tkpt")) == content(9));
  CHECK(run.saved_state() == R"([[9.0, "model.tkpt"]])");
  CHECK(run.host.logs_at(TK_LOG_WARNING).empty());
}

TEST_CASE("checkpoint: the kept list is the state, so retention goes on after a resume") {
  TempDir dir;
  MemoryState state;
  {
    Run first({{"n_saved", int64_t{3}}});
    first.ctx.out_dir = dir.path();
    for (int it : {0, 10, 20}) first.step(it);
    first.ext->save(state);
  }
  CHECK(std::get<std::string>(state.values.at("saved")) ==
        R"([[0.0, "model_0.tkpt"], [10.0, "model_10.tkpt"], [20.0, "model_20.tkpt"]])");
  CHECK(std::get<std::string>(state.values.at("last_checkpoint")) == "model_20.tkpt");
  write_file(dir.file("model_5.tkpt"), "someone else's");  // not in the list: never this instance's to delete

  Run resumed({{"n_saved", int64_t{3}}});
  resumed.ctx.out_dir = dir.path();
  resumed.ext->load(state, 1);
  MemoryState again;
  resumed.ext->save(again);
  CHECK(again.values == state.values);  // loading gives an equal list
  resumed.step(30);
  CHECK(list_dir(dir.path(), true) == Strings{"model_10.tkpt", "model_20.tkpt", "model_30.tkpt", "model_5.tkpt"});
  resumed.step(40);
  CHECK(list_dir(dir.path(), true) == Strings{"model_20.tkpt", "model_30.tkpt", "model_40.tkpt", "model_5.tkpt"});
}

TEST_CASE("checkpoint: a list longer than n_saved after a resume is trimmed on the next save") {
  TempDir dir;
  MemoryState state;
  {
    Run first({{"n_saved", int64_t{3}}});
    first.ctx.out_dir = dir.path();
    for (int it : {10, 20, 30}) first.step(it);
    first.ext->save(state);
  }
  Run resumed({{"n_saved", int64_t{1}}});
  resumed.ctx.out_dir = dir.path();
  resumed.ext->load(state, 1);
  resumed.step(40);
  CHECK(list_dir(dir.path(), true) == Strings{"model_40.tkpt"});
  CHECK(resumed.saved_state() == R"([[40.0, "model_40.tkpt"]])");
}

TEST_CASE("checkpoint: a restart into a folder that already holds checkpoints just works") {
  Run run({{"n_saved", int64_t{1}}});
  write_file(run.file("model_3.tkpt"), "an older run's");  // Ignite's DiskSaver(require_empty=True) refuses this
  write_file(run.file("other.pt"), "x");
  run.step(1);
  run.step(2);
  CHECK(run.files() == Strings{"model_2.tkpt", "model_3.tkpt", "other.pt"});
  CHECK(read_file(run.file("model_3.tkpt")) == "an older run's");
  run.step(3);  // the same name: replaced by the new file
  CHECK(run.files() == Strings{"model_3.tkpt", "other.pt"});
  CHECK(read_file(run.file("model_3.tkpt")) == content(3));
}

TEST_CASE("checkpoint: a saved list that is not Ignite's [(priority, filename)] is refused") {
  std::string bad = GENERATE(as<std::string>{}, R"([[1, "../outside"]])", R"([[1, ".tmp.model_1.tkpt.x"]])",
                             R"([[1, ""]])", R"([["1", "model_1.tkpt"]])", R"([[1, "a"], [2, "a"]])", R"({"a": 1})",
                             R"([[1]])", "not json");
  INFO(bad);
  Run run;
  MemoryState state;
  state.values["saved"] = bad;
  auto r = run.ext->try_load(state, 1);
  CHECK(r.first == TK_ERR_INVALID);
  CHECK_THAT(r.second, Contains("saved checkpoint list"));
}

// ---- write first, then evict -----------------------------------------------------------------------

TEST_CASE("checkpoint: the evicted file still exists when the new one is committed") {
  Run run({{"score_key", std::string(kAcc)}});
  run.step(1, 0.5);
  run.step(2, 0.6);
  run.step(3, 0.7);
  auto& w = run.host.snapshots.written;
  REQUIRE(w.size() == 3);
  CHECK(w[1].dir_before == Strings{"model_0.5000.tkpt"});  // Ignite would have deleted it already
  CHECK(w[2].dir_before == Strings{"model_0.6000.tkpt"});
  CHECK(run.files(true) == Strings{"model_0.7000.tkpt"});
}

TEST_CASE("checkpoint: a failed write keeps the old best and the list as they were") {
  Run run({{"score_key", std::string(kAcc)}});
  run.step(1, 0.5);
  run.host.snapshots.fail_write = {"model_0.6000.tkpt"};
  run.ctx.iteration = 2;
  run.ctx.observation.set(kAcc, 0.6);
  auto r = run.ext->try_call(run.ctx);
  CHECK(r.first == TK_ERR_IO);
  CHECK_THAT(r.second, Contains("model_0.6000.tkpt") && Contains("no space left on device (fake)"));
  CHECK(run.files(true) == Strings{"model_0.5000.tkpt"});
  CHECK(run.saved_state() == R"([[0.5, "model_0.5000.tkpt"]])");
  run.host.snapshots.fail_write.clear();
  run.step(3, 0.55);  // still judged against 0.5: saved, and 0.5 goes
  CHECK(run.files(true) == Strings{"model_0.5500.tkpt"});
}

TEST_CASE("checkpoint: a crash right after the new file is committed leaves the old best on disk") {
  using Row = std::tuple<std::string, Options, Strings>;
  auto row = GENERATE(
      Row{"n_saved=1 by score", {{"score_key", std::string(kAcc)}}, {"model_0.5000.tkpt", "model_0.6000.tkpt"}},
      Row{"n_saved=1 by step", {}, {"model_1.tkpt", "model_2.tkpt"}},
      Row{"a fixed name", {{"filename_pattern", std::string("{name}.{ext}")}}, {"model.tkpt"}});
  INFO(std::get<0>(row));
  Run run(std::get<1>(row));
  run.step(1, 0.5);
  const Strings before = run.files();
  std::string next = std::get<2>(row).back();
  run.host.snapshots.exit_after_write = next;

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: the call commits the new file, then the fake "crashes" before the plugin goes on.
    try {
      run.step(2, 0.6);
    } catch (...) {
    }
    ::_exit(1);  // only reached when the crash did not happen
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == FakeSnapshots::kCrashExitCode);

  CHECK(run.files(true) == std::get<2>(row));  // the new file is whole, the old one not deleted, no temp file
  CHECK(read_file(run.file(next)) == content(2));
  for (auto& name : before) CHECK(tk_test::file_exists(run.file(name)));
}

// ---- objects, include_self -------------------------------------------------------------------------

TEST_CASE("checkpoint: objects choose the snapshot target") {
  using Row = std::tuple<Options, std::string, std::string>;
  auto row = GENERATE(
      Row{{}, "model", "model_1.tkpt"},
      Row{{{"objects", Strings{"optimizer", "model"}}}, "model+optimizer", "checkpoint_1.tkpt"},
      Row{{{"objects", Strings{"model", "trainer"}}}, "model+counters", "checkpoint_1.tkpt"},
      Row{{{"objects", Strings{"trainer"}}}, "counters", "trainer_1.tkpt"},
      Row{{{"objects", Strings{"model", "optimizer", "updater", "trainer", "extensions"}}}, "trainer", "checkpoint_1.tkpt"},
      Row{{{"include_self", true}}, "model+extensions", "model_1.tkpt"},
      Row{{{"objects", Strings{"model", "optimizer", "updater", "trainer"}}, {"include_self", true}}, "trainer",
          "checkpoint_1.tkpt"},
      Row{{{"objects", Strings{"extensions"}}, {"include_self", true}}, "extensions", "extensions_1.tkpt"},
      Row{{{"format", std::string("torch")}}, "model", "model_1.pt"});
  Run run(std::get<0>(row));
  INFO(std::get<1>(row));
  run.step(1);
  REQUIRE(run.host.snapshots.written.size() == 1);
  CHECK(run.host.snapshots.written[0].target == std::get<1>(row));
  CHECK(run.host.snapshots.written[0].name == std::get<2>(row));
}

TEST_CASE("checkpoint: include_self saves the list that already holds the file being written") {
  Run run({{"include_self", true}, {"n_saved", int64_t{1}}});
  MemoryState during;
  run.host.snapshots.while_writing = [&] { run.ext->save(during); };  // the host visits extensions now
  run.step(1);
  CHECK(std::get<std::string>(during.values.at("saved")) == R"([[1.0, "model_1.tkpt"]])");
  CHECK(std::get<std::string>(during.values.at("last_checkpoint")) == "model_1.tkpt");
  run.step(2);
  CHECK(std::get<std::string>(during.values.at("saved")) == R"([[2.0, "model_2.tkpt"]])");
  run.host.snapshots.while_writing = nullptr;
  CHECK(run.files() == Strings{"model_2.tkpt"});

  // Resumed from that file's state, the next save evicts model_2 (Ignite's include_self test).
  Run resumed({{"include_self", true}, {"n_saved", int64_t{1}}});
  resumed.ctx.out_dir = run.dir.path();
  resumed.ext->load(during, 1);
  resumed.step(1234);
  CHECK(run.files() == Strings{"model_1234.tkpt"});
}

TEST_CASE("checkpoint: a failed write with include_self leaves the saved state as it was") {
  Run run({{"include_self", true}});
  run.step(1);
  run.host.snapshots.fail_write = {"model_2.tkpt"};
  run.ctx.iteration = 2;
  CHECK(run.ext->try_call(run.ctx).first == TK_ERR_IO);
  CHECK(run.saved_state() == R"([[1.0, "model_1.tkpt"]])");
}

// ---- scores ----------------------------------------------------------------------------------------

TEST_CASE("checkpoint: a score key missing from the observation fails the call, naming what is there") {
  Run run({{"score_key", std::string(kAcc)}});
  run.ctx.iteration = 7;
  run.ctx.observation.set("main/loss", 0.3);
  run.ctx.observation.set("main/accuracy", 0.9);
  auto r = run.ext->try_call(run.ctx);
  CHECK(r.first == TK_ERR_INVALID);
  CHECK_THAT(r.second, Contains("score_key \"validation/main/accuracy\" is not in the observation at iteration 7") &&
                           Contains("(it holds: main/loss, main/accuracy)") && Contains("same trigger"));
  CHECK(run.files().empty());
}

TEST_CASE("checkpoint: a NaN score saves nothing and says so") {
  Run run({{"score_key", std::string(kAcc)}, {"n_saved", int64_t{2}}});
  run.step(1, std::numeric_limits<double>::quiet_NaN());
  CHECK(run.files().empty());
  REQUIRE(run.host.logs_at(TK_LOG_WARNING).size() == 1);
  CHECK_THAT(run.host.logs_at(TK_LOG_WARNING)[0], Contains("is NaN at iteration 1"));
  run.step(2, 0.5);
  CHECK(run.files() == Strings{"model_0.5000.tkpt"});
}

TEST_CASE("checkpoint: only rank 0 writes; every rank keeps the same list") {
  Run rank0, rank1;
  rank1.ctx.world_size = rank0.ctx.world_size = 2;
  rank1.ctx.rank = 1;
  rank0.step(1);
  rank1.step(1);
  CHECK(rank1.files().empty());
  CHECK(rank1.host.snapshots.written.empty());
  CHECK(rank0.files() == Strings{"model_1.tkpt"});
  CHECK(rank1.saved_state() == rank0.saved_state());
}
