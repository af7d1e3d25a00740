// runtime/torchfile/weights: which files hold model weights, and what the others are called.
#include "torchfile/weights.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "torchfile_test_support.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using torchfile::WeightsFile;

std::string refusal(const std::string& path) {
  try {
    torchfile::read_weights_file(path);
  } catch (const ResumeError& e) {
    return e.what();
  }
  FAIL("not refused");
  return "";
}

// A dict pickle with a tensor entry per name over storage 0 (two floats) and the given other entries.
Pickle dict_of(const std::vector<std::string>& tensors, const std::function<void(Pickle&)>& more = [](Pickle&) {}) {
  Pickle p;
  p.op('}').op('(');
  for (const std::string& name : tensors) p.str(name).tensor("FloatStorage", "0", 2, 0, {2}, {1});
  more(p);
  return p.op('u');
}

TEST_CASE("weights: a state_dict, a dict's 'model' entry, a TorchScript module", "[torchfile][weights]") {
  tk_test::TempDir dir;
  const std::vector<std::pair<std::string, Bytes>> storage = {{"0", Bytes(8, 0)}};
  write_bytes(dir.file("sd.pt"), torch_zip(dict_of({"fc.weight", "fc.bias"}).stop(), storage).bytes());
  Pickle wrapped;
  wrapped.op('}').op('(').str("epoch").i(3).str("model");
  wrapped.op('}').op('(').str("w").tensor("FloatStorage", "0", 2, 0, {2}, {1}).op('u').op('u');
  write_bytes(dir.file("wrapped.pt"), torch_zip(wrapped.stop(), storage).bytes());
  ZipFile script;
  script.entries = {{"m/data.pkl", bytes_of("")}, {"m/code/__torch__.py", bytes_of("")}, {"m/constants.pkl", bytes_of("")}};
  write_bytes(dir.file("script.pt"), script.bytes());

  const WeightsFile sd = torchfile::read_weights_file(dir.file("sd.pt"));
  CHECK(sd.kind == WeightsFile::Kind::state_dict);
  CHECK(sd.description == "a state_dict of 2 tensors");
  REQUIRE(sd.tree.leaves.size() == 2);
  CHECK(std::get<state::TensorLeaf>(sd.tree.leaves.at("model/fc.weight")).data.size() == 8);
  const WeightsFile w = torchfile::read_weights_file(dir.file("wrapped.pt"));
  CHECK(w.description == "the 'model' entry, a state_dict of 1 tensor");
  CHECK(w.tree.leaves.count("model/w") == 1);
  const WeightsFile s = torchfile::read_weights_file(dir.file("script.pt"));
  CHECK(s.kind == WeightsFile::Kind::torchscript);
  CHECK(s.tree.leaves.empty());
}

TEST_CASE("weights: a sound file without weights says what it holds, never that it is damaged", "[torchfile][weights]") {
  tk_test::TempDir dir;
  const std::vector<std::pair<std::string, Bytes>> storage = {{"0", Bytes(8, 0)}};
  Pickle epoch_net;
  epoch_net.op('}').op('(').str("epoch").i(3).str("net").op('}').op('(').str("w");
  epoch_net.tensor("FloatStorage", "0", 2, 0, {2}, {1}).op('u').op('u');
  write_bytes(dir.file("epoch_net.pt"), torch_zip(epoch_net.stop(), storage).bytes());
  write_bytes(dir.file("mixed.pt"), torch_zip(dict_of({"w"}, [](Pickle& p) { p.str("step").i(1); }).stop(), storage).bytes());
  Pickle bad_model;
  bad_model.op('}').op('(').str("model").op(']').op('u');
  write_bytes(dir.file("bad_model.pt"), torch_zip(bad_model.stop()).bytes());
  write_bytes(dir.file("object.pt"), torch_zip(Pickle().global("__main__", "Net").stop()).bytes());
  write_bytes(dir.file("empty.pt"), torch_zip(Pickle().op('}').stop()).bytes());

  CHECK(refusal(dir.file("epoch_net.pt")) ==
        dir.file("epoch_net.pt") + " holds a dict with keys epoch, net; expected a state_dict or a dict with a 'model' entry");
  CHECK_THAT(refusal(dir.file("mixed.pt")), Contains("holds a dict with keys w, step; expected"));
  CHECK_THAT(refusal(dir.file("bad_model.pt")), Contains("whose 'model' entry is a list of 0 items; expected"));
  CHECK_THAT(refusal(dir.file("object.pt")), Contains("trainkit cannot read what it holds: the pickle refers to the Python object __main__.Net"));
  CHECK_THAT(refusal(dir.file("empty.pt")), Contains("holds an empty dict; expected"));
  for (const std::string name : {"epoch_net.pt", "mixed.pt", "bad_model.pt", "object.pt", "empty.pt"}) {
    INFO(name);
    CHECK_THAT(refusal(dir.file(name)), !Contains("damaged") && !Contains("cannot read as a torch file"));
  }

  // Damage and absence are told as such.
  Bytes damaged = torch_zip(dict_of({"w"}).stop(), storage).bytes();
  damaged[50] ^= 0x10;  // inside data.pkl
  write_bytes(dir.file("damaged.pt"), damaged);
  CHECK_THAT(refusal(dir.file("damaged.pt")), StartsWith(dir.file("damaged.pt") + ": cannot read as a torch file: "));
  CHECK_THAT(refusal(dir.file("absent.pt")), Contains("absent.pt: cannot open: No such file"));
  CHECK_THAT(refusal(dir.path()), Contains("a folder"));
}

TEST_CASE("weights: what Python users save", "[torchfile][weights][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  tk_test::TempDir dir;
  const auto r = run_python(R"PY(
import sys, torch
out = sys.argv[1]
net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
opt = torch.optim.Adam(net.parameters())
net(torch.ones(4, 2)).sum().backward()
opt.step()
torch.save(net.state_dict(), out + '/sd.pt')
torch.save({'model': net.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}, out + '/checkpoint.pt')
torch.save({'epoch': 3, 'net': net.state_dict()}, out + '/epoch_net.pt')
torch.jit.script(net).save(out + '/script.pt')
torch.save(net.state_dict(), out + '/legacy.pt', _use_new_zipfile_serialization=False)
torch.save(net, out + '/module.pt')
)PY",
                            {dir.path()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const WeightsFile sd = torchfile::read_weights_file(dir.file("sd.pt"));
  CHECK(sd.description == "a state_dict of 4 tensors");
  CHECK(std::get<state::TensorLeaf>(sd.tree.leaves.at("model/0.weight")).shape == std::vector<int64_t>{3, 2});
  const WeightsFile checkpoint = torchfile::read_weights_file(dir.file("checkpoint.pt"));
  CHECK(checkpoint.description == "the 'model' entry, a state_dict of 4 tensors");
  CHECK(checkpoint.tree.leaves == sd.tree.leaves);
  CHECK(torchfile::read_weights_file(dir.file("script.pt")).kind == WeightsFile::Kind::torchscript);
  CHECK_THAT(refusal(dir.file("epoch_net.pt")), Contains("holds a dict with keys epoch, net; expected a state_dict"));
  CHECK_THAT(refusal(dir.file("legacy.pt")), Contains("legacy torch.save format"));
  CHECK_THAT(refusal(dir.file("module.pt")), Contains("torch.nn.modules.container.Sequential"));
}

}  // namespace
}  // namespace trainkit::testing
