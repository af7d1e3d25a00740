"""Loads the trained weights back with torch.load and evaluates them in Python.

    /usr/bin/python3 samples/regression/check.py [RESULT_DIR [DATA_DIR]]

Reads the best checkpoint trainkit wrote (format "torch": a dict whose "model" entry is the state_dict),
loads it into model.py's Regressor, and compares its validation error with two references: the
untrained model and always predicting the training mean. Exit 1 when training did not pay off.
"""
import glob
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Regressor  # noqa: E402


def mse(model: torch.nn.Module, data: dict) -> float:
    with torch.no_grad():
        return torch.nn.functional.mse_loss(model(data["x"]), data["y"]).item()


def main() -> int:
    result = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "result")
    data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "data")
    found = glob.glob(os.path.join(result, "best_model_*.pt"))  # n_saved = 1: the best only
    if len(found) != 1:
        print(f"check: expected one best_model_*.pt in {result}, found {len(found)}", file=sys.stderr)
        return 1
    checkpoint = torch.load(found[0])
    model = Regressor()
    model.load_state_dict(checkpoint["model"])  # strict: every name and shape must match
    model.eval()

    train = torch.load(os.path.join(data, "train.pt"))
    valid = torch.load(os.path.join(data, "valid.pt"))
    trained = mse(model, valid)
    untrained = mse(torch.jit.load(os.path.join(data, "model.pt")), valid)
    mean = torch.nn.functional.mse_loss(train["y"].mean(0).expand_as(valid["y"]), valid["y"]).item()
    print(f"check: {os.path.basename(found[0])}: validation MSE {trained:.5f} "
          f"(untrained {untrained:.5f}, predicting the mean {mean:.5f})")
    if not trained < 0.05 * mean:
        print("check: FAILED: the trained model should be at least 20x better than predicting the mean",
              file=sys.stderr)
        return 1
    print("check: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
