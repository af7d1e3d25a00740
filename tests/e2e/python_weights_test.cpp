// What Python users write, used by `trainkit run --init-from` and shown by `trainkit inspect`:
// torch.save(model.state_dict()), torch.save({"model": sd, ...}), a TorchScript file, names saved from
// DistributedDataParallel ("module."), and a valid file that holds no weights (never called damaged).
#include <catch2/catch.hpp>

#include <filesystem>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

// The Python twin of small_manifest's builtin mlp (hidden = [32]): the same names and shapes.
constexpr const char* kWrite = R"PY(
import collections, sys, torch
out = sys.argv[1]
torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
sd = net.state_dict()
torch.save(sd, out + "/sd.pt")
ddp = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
ddp._metadata = collections.OrderedDict(("module." + k if k else "module", v) for k, v in sd._metadata.items())
torch.save(ddp, out + "/ddp.pt")
torch.save({"model": sd, "epoch": 3, "losses": [0.5, 0.25]}, out + "/dict.pt")
torch.jit.script(net).save(out + "/script.pt")
torch.save({"epoch": 3, "net": sd}, out + "/other.pt")
)PY";

// Every tensor of each run's model-only torch snapshot equals the one Python saved.
constexpr const char* kCompare = R"PY(
import sys, torch
sd = torch.load(sys.argv[1] + "/sd.pt")
for run in sys.argv[2:]:
    got = torch.load(run + "/result/weights")["model"]
    assert sorted(got) == sorted(sd), (run, sorted(got))
    for k in sd:
        assert torch.equal(got[k], sd[k]), (run, k)
)PY";

void write_weights(const TempDir& dir) {
  auto r = run_process({"/usr/bin/python3", "-c", kWrite, dir.path()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// One iteration at lr = 0 keeps the loaded weights; the snapshot shows them to Python.
std::string init_manifest() {
  return small_manifest("1 iteration", "[[extension]]\nuse = \"snapshot\"\ntarget = \"model\"\nfilename = \"weights\"\n"
                                       "format = \"torch\"\ntrigger = \"1 iteration\"\n");
}

}  // namespace

TEST_CASE("init-from reads a state_dict, a {\"model\": sd} dict, a TorchScript file and module.-prefixed names",
          "[python]") {
  TK_REQUIRE_DATA();
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_weights(dir);
  std::vector<std::string> runs;
  auto init = [&](const std::string& file, std::vector<std::string> more = {}) {
    const std::string run = dir.file("run_" + file);
    std::filesystem::create_directories(run);
    write_file(run + "/m.toml", init_manifest());
    std::vector<std::string> args{"run", run + "/m.toml", "--init-from", dir.file(file), "--set", "optimizer.lr=0"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = run_trainkit(args);
    INFO(file << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("loaded all 4 model tensors"));
    runs.push_back(run);
  };
  init("sd.pt");
  init("dict.pt");
  init("script.pt");
  init("ddp.pt", {"--set", "trainer.init_prefix=module."});
  std::vector<std::string> argv{"/usr/bin/python3", "-c", kCompare, dir.path()};
  argv.insert(argv.end(), runs.begin(), runs.end());
  auto same = run_process(argv);
  INFO(same.err);
  CHECK(same.exit_code == 0);
}

TEST_CASE("init-from says what a valid file holds when it is not weights, and hints at init_prefix", "[python]") {
  TK_REQUIRE_DATA();
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_weights(dir);
  write_file(dir.file("m.toml"), init_manifest());
  auto other = run_trainkit({"run", dir.file("m.toml"), "--init-from", dir.file("other.pt")});
  CHECK(other.exit_code == 3);
  CHECK_THAT(other.err, Contains("holds a dict with keys epoch, net") &&
                            Contains("expected a state_dict or a dict with a 'model' entry"));
  CHECK_THAT(other.err, !Contains("cannot read as a torch file") && !Contains("damaged") && !Contains("corrupt"));
  auto ddp = run_trainkit({"run", dir.file("m.toml"), "--init-from", dir.file("ddp.pt")});
  CHECK(ddp.exit_code == 3);
  CHECK_THAT(ddp.err, Contains("trainer.init_prefix = \"module.\""));
}

TEST_CASE("inspect shows what a Python file holds and calls a valid one's checksum ok", "[python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_weights(dir);
  auto sd = run_trainkit({"inspect", dir.file("sd.pt")});
  INFO(sd.out);
  CHECK(sd.exit_code == 0);
  CHECK_THAT(sd.out, Contains("format    torch") && Contains("checksum  ok") &&
                         Contains("weights   a state_dict of 4 tensors") && Contains("1.weight"));
  auto dict = run_trainkit({"inspect", dir.file("dict.pt")});
  INFO(dict.out);
  CHECK(dict.exit_code == 0);  // the weights are shown; the list beside them is named in the note
  CHECK_THAT(dict.out, Contains("the 'model' entry, a state_dict of 4 tensors") && Contains("note") &&
                           Contains("'losses' holds a list") && Contains("3.bias"));
  auto script = run_trainkit({"inspect", dir.file("script.pt")});
  INFO(script.out);
  CHECK(script.exit_code == 0);
  CHECK_THAT(script.out, Contains("format    torchscript") && Contains("a TorchScript module") && Contains("3.bias"));
  auto other = run_trainkit({"inspect", dir.file("other.pt"), "--json"});
  CHECK(other.exit_code == 0);  // a dict of dicts: the tree is shown, and why --init-from would refuse it
  const auto doc = nlohmann::json::parse(other.out);
  CHECK(doc["checksum"] == "ok");
  CHECK_THAT(doc["weights"].get<std::string>(), Contains("a dict with keys epoch, net; expected"));
}
