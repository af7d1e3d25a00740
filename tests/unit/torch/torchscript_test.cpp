// runtime/torch: training a TorchScript module scripted in Python (Debian's python3-torch).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>

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

// Modules that compute their own loss (Note [A model's own step], torch/step.h).
constexpr const char* kStepScript = R"PY(
import sys
from typing import Dict

import torch
from torch import Tensor


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.flatten(1))

    @torch.jit.export
    def training_step(self, batch: Dict[str, Tensor]) -> Dict[str, Tensor]:
        logits = self.forward(batch["image"])
        loss = torch.nn.functional.cross_entropy(logits, batch["label"])
        right = (logits.argmax(1) == batch["label"]).float().mean()
        return {"loss": loss, "right": right, "logits": logits}


class WithValidation(Net):
    @torch.jit.export
    def validation_step(self, batch: Dict[str, Tensor]) -> Dict[str, Tensor]:
        out = self.training_step(batch)
        return {"loss": out["loss"], "two": torch.tensor(2.0)}


class NoLoss(Net):
    @torch.jit.export
    def training_step(self, batch: Dict[str, Tensor]) -> Dict[str, Tensor]:
        return {"right": self.forward(batch["image"]).sum()}


class BadSignature(Net):
    @torch.jit.export
    def training_step(self, x: Tensor) -> Tensor:
        return self.forward(x).sum()


torch.manual_seed(0)
folder = sys.argv[1]
for cls in (Net, WithValidation, NoLoss, BadSignature):
    torch.jit.script(cls()).save(folder + "/" + cls.__name__ + ".pt")
)PY";

TEST_CASE("a TorchScript training_step computes its own loss and reports its scalars", "[torch][step][torchscript]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  {
    std::ofstream out(dir / "make_models.py");
    out << kStepScript;
  }
  const auto made = tk_test::run_process({kPython, dir / "make_models.py", dir.path().string()});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  write_tiny_split(dir.path(), "tiny", 40);
  Manifest m;
  m.data.root = dir.path().string();
  m.data.train = "tiny";
  m.data.validation = "";
  m.data.batch_size = 10;
  m.model.builtin = "";
  m.model.input = "not_a_field";  // not read: the module takes the whole batch
  m.optimizer.lr = 0.1;

  m.model.torchscript = dir / "Net.pt";
  auto net = make_session(m);
  CHECK_THAT(net->describe(), Contains("the model's training_step"));
  Observation before;
  net->evaluate("train", "", before);  // no validation_step: training_step under no-grad, eval mode
  CHECK(before.find("main/right").has_value());
  CHECK_FALSE(before.find("main/logits").has_value());  // not a scalar
  for (int i = 0; i < 8; ++i) {
    Observation obs;
    net->step(obs);
    CHECK(obs.find("main/right").has_value());
    CHECK_FALSE(obs.find("main/accuracy").has_value());
    CHECK_FALSE(obs.find("main/logits").has_value());
    CHECK(obs.items().front().first == "main/loss");
  }
  Observation after;
  net->evaluate("train", "", after);
  CHECK(observed(after, "main/loss") < observed(before, "main/loss"));

  m.model.torchscript = dir / "WithValidation.pt";
  auto validated = make_session(m);
  Observation eval;
  validated->evaluate("train", "v", eval);
  CHECK(observed(eval, "v/main/two") == 2.0);
  CHECK(std::isfinite(observed(eval, "v/main/loss")));
  CHECK_FALSE(eval.find("v/main/right").has_value());

  m.model.torchscript = dir / "NoLoss.pt";
  auto no_loss = make_session(m);
  Observation ignored;
  CHECK_THROWS_WITH(no_loss->step(ignored), Contains("training_step must return a dict with a \"loss\" entry; it has right"));

  m.model.torchscript = dir / "BadSignature.pt";
  CHECK_THROWS_WITH(make_session(m), Contains("BadSignature.pt: training_step must be (Dict[str, Tensor]) -> Dict[str, Tensor]"));
}

}  // namespace
}  // namespace trainkit::testing
