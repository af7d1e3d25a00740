// runtime/torch: training a TorchScript module scripted in Python (Debian's python3-torch).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/error.h"
#include "torch/session.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

// Scripting needs the module's source, so the module lives in a .py file rather than in `python -c`.
constexpr const char* kScript = R"PY(
import sys
import torch


class Net(torch.nn.Module):
    def __init__(self, outputs: int):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.fc = torch.nn.Linear(784, outputs)

    def forward(self, x):
        return self.fc(self.flatten(x))


torch.manual_seed(0)
torch.jit.script(Net(10)).save(sys.argv[1])
torch.jit.script(Net(3)).save(sys.argv[2])
)PY";

TEST_CASE("a TorchScript module from Python trains in the host", "[torch][session][torchscript][fashion]") {
  TK_REQUIRE_DATA();
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  {
    std::ofstream out(dir / "make_model.py");
    out << kScript;
  }
  const std::string command = std::string(kPython) + " " + (dir / "make_model.py") + " " + (dir / "net.pt") + " " +
                              (dir / "narrow.pt");
  REQUIRE(std::system(command.c_str()) == 0);

  Manifest m = small_fashion_manifest();
  m.model.builtin = "";
  m.model.torchscript = dir / "net.pt";
  m.optimizer.lr = 0.01;
  auto session = make_session(m);
  REQUIRE(session->parameter_count() == 2);
  const char* name = nullptr;
  DLTensor weight{};
  REQUIRE(session->parameter(0, &name, &weight));
  CHECK(std::string(name) == "fc.weight");
  CHECK(weight.shape[0] == 10);
  CHECK_THAT(session->describe(), Contains("torchscript " + (dir / "net.pt")) && Contains("(7,850 parameters)"));

  Observation before, after, obs;
  session->evaluate("validation", "validation", before);
  for (int i = 0; i < 40; ++i) session->step(obs);
  session->evaluate("validation", "validation", after);
  CHECK(observed(after, "validation/main/loss") < observed(before, "validation/main/loss"));
  CHECK(observed(after, "validation/main/accuracy") > 0.5);

  m.model.torchscript = dir / "narrow.pt";
  CHECK_THROWS_WITH(make_session(m), Contains("narrow.pt") && Contains("expected logits [2, C] with C >= 10"));

  m.model.torchscript = dir / "make_model.py";
  CHECK_THROWS_WITH(make_session(m), Contains("cannot load as a TorchScript module"));
}

}  // namespace
}  // namespace trainkit::testing
