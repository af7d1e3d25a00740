"""The sample's model: two outputs regressed from four inputs, with its own training_step.

make_data.py scripts it for trainkit; check.py builds it again in Python to load the trained weights.
"""
from typing import Dict

import torch
from torch import Tensor


class Regressor(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(4, 64), torch.nn.Tanh(),
            torch.nn.Linear(64, 64), torch.nn.Tanh(),
            torch.nn.Linear(64, 2))

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)

    # trainkit minimises "loss" and reports every other scalar as main/<key>.
    @torch.jit.export
    def training_step(self, batch: Dict[str, Tensor]) -> Dict[str, Tensor]:
        pred = self.forward(batch["x"])
        error = pred - batch["y"]
        return {
            "loss": (error ** 2).mean(),
            "mae": error.abs().mean(),
            "mse_wave": (error[:, 0] ** 2).mean(),
            "mse_bowl": (error[:, 1] ** 2).mean(),
        }


def targets(x: Tensor) -> Tensor:
    """The two functions the model learns: a wave and a bowl over the four inputs."""
    wave = torch.sin(2.0 * x[:, 0]) + 0.5 * x[:, 1] * x[:, 2]
    bowl = x[:, 3] ** 2 - 0.3 * x[:, 0]
    return torch.stack([wave, bowl], dim=1)
