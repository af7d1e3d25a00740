"""Writes the sample's data and its scripted model into DATA_DIR (default: data/ next to this file).

    /usr/bin/python3 samples/regression/make_data.py [DATA_DIR]

data/train.pt and data/valid.pt: torch.save({"x": X [N, 4] float32, "y": Y [N, 2] float32}), the
`tensors` data format. data/model.pt: the Regressor of model.py, scripted (torch.jit.script).
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Regressor, targets  # noqa: E402


def split(n: int, generator: torch.Generator) -> dict:
    x = torch.rand(n, 4, generator=generator) * 2 - 1
    y = targets(x) + 0.01 * torch.randn(n, 2, generator=generator)
    return {"x": x, "y": y}


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    torch.save(split(2000, generator), os.path.join(out, "train.pt"))
    torch.save(split(500, generator), os.path.join(out, "valid.pt"))
    torch.manual_seed(0)
    torch.jit.script(Regressor()).save(os.path.join(out, "model.pt"))
    print(f"wrote {out}/train.pt, valid.pt and model.pt")


if __name__ == "__main__":
    main()
