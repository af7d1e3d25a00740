// Starting from another run's weights (--init-from) and early stopping whose memory survives a resume.
#include <catch2/catch.hpp>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

std::string model_snapshot_manifest() {
  return small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\ntarget = \"model\"\nfilename = \"weights\"\n");
}

}  // namespace

TEST_CASE("init-from loads model weights strictly and refuses a model that does not fit") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("a.toml"), model_snapshot_manifest());
  REQUIRE(run_trainkit({"run", dir.file("a.toml")}).exit_code == 0);
  const std::string weights = dir.file("result/weights");
  REQUIRE(file_exists(weights));

  write_file(dir.file("b.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"log_report\"\n"));
  auto same = run_trainkit({"run", dir.file("b.toml"), "--init-from", weights, "--out", dir.file("b")});
  INFO(same.err);
  REQUIRE(same.exit_code == 0);
  CHECK_THAT(same.err, Contains("model initialised from ") && Contains("loaded all 4 model tensors"));

  std::string wider = small_manifest("1 epoch", "");
  wider.replace(wider.find("hidden = [32]"), 13, "hidden = [16]");
  write_file(dir.file("c.toml"), wider);
  auto strict = run_trainkit({"run", dir.file("c.toml"), "--init-from", weights, "--out", dir.file("c")});
  CHECK(strict.exit_code == 3);
  CHECK_THAT(strict.err, Contains("cannot initialise the model") && Contains("init_strict = false"));
  auto loose = run_trainkit({"run", dir.file("c.toml"), "--init-from", weights, "--out", dir.file("c2"), "--set",
                             "trainer.init_strict=false"});
  INFO(loose.err);
  REQUIRE(loose.exit_code == 0);
  CHECK_THAT(loose.err, Contains("loaded 1 of 4 model tensors") && Contains("kept as initialised"));

  // A deeper model does not fit the file: the message speaks of what was saved, not of a snapshot.
  std::string deeper = small_manifest("1 epoch", "");
  deeper.replace(deeper.find("hidden = [32]"), 13, "hidden = [32, 32]");
  write_file(dir.file("d.toml"), deeper);
  auto misfit = run_trainkit({"run", dir.file("d.toml"), "--init-from", weights, "--out", dir.file("d")});
  CHECK(misfit.exit_code == 3);
  CHECK_THAT(misfit.err, Contains("cannot initialise the model from ") && Contains(": saved as float32 [10, 32], expected "
                                                                                   "float32 [32, 32]"));
  CHECK_THAT(misfit.err, !Contains("snapshot"));
}

TEST_CASE("a model-only snapshot cannot be resumed from") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("a.toml"), model_snapshot_manifest());
  REQUIRE(run_trainkit({"run", dir.file("a.toml")}).exit_code == 0);
  auto r = run_trainkit({"run", dir.file("a.toml"), "--resume", dir.file("result/weights")});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("only part of the training state") && Contains("--init-from"));
}

TEST_CASE("early stopping keeps its best value and patience counter across a resume") {
  TK_REQUIRE_DATA();
  // A learning rate too small to change any prediction: main/accuracy is the same every epoch, so with
  // patience 2 the run stops at the third check. Stopping at epoch 2 and resuming must not reset that.
  auto manifest = [](const std::string& max) {
    std::string m = small_manifest("1 epoch", R"(
[[extension]]
use = "snapshot"
[[extension]]
use = "log_report"
)");
    m.replace(m.find("stop = \"1 epoch\""), 16,
              "stop = { monitor = \"main/accuracy\", mode = \"max\", patience = 2, max = \"" + max + "\" }");
    m.replace(m.find("lr = 0.1"), 8, "lr = 1e-12");
    return m;
  };
  TempDir straight, resumed;
  write_file(straight.file("m.toml"), manifest("30 epoch"));
  REQUIRE(run_trainkit({"run", straight.file("m.toml")}).exit_code == 0);
  auto log = read_json(straight.file("result/log"));
  REQUIRE(log.size() == 3);

  // Stop at 2.5 epochs: the snapshot of epoch 2 holds one check without improvement. (A maximum that
  // fires at a check's own iteration ends the run before that check, as in Chainer.)
  write_file(resumed.file("two.toml"), manifest("2.5 epoch"));
  write_file(resumed.file("m.toml"), manifest("30 epoch"));
  REQUIRE(run_trainkit({"run", resumed.file("two.toml")}).exit_code == 0);
  auto r = run_trainkit({"run", resumed.file("m.toml"), "--resume"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(resumed.file("result/log")).size() == 3);  // Chainer and ppe would run to epoch 5
}
