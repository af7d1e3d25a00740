"""Seeds of the torch_file fuzzer: small files in every shape Python's torch.save writes that trainkit reads
or refuses by name. Run by fuzz/make_corpus.sh with Debian's /usr/bin/python3 (python3-torch).

    /usr/bin/python3 fuzz/make_torch_seeds.py OUT_DIR
"""
import collections
import pathlib
import sys

import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.bn = torch.nn.BatchNorm1d(2)

    def forward(self, x):
        return self.bn(self.fc(x))


def main(out: pathlib.Path) -> None:
    torch.manual_seed(0)
    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    seeds = {
        # a state_dict: an OrderedDict with _metadata, a BatchNorm's int64 0-d num_batches_tracked
        "state_dict.pt": net.state_dict(),
        "checkpoint_dict.pt": {"model": net.state_dict(), "epoch": 3, "best": 0.5, "name": "run"},
        # int keys, lists and tuples (param_groups, betas): refused by the state-tree mapping, by key
        "optimizer_state_dict.pt": optimizer.state_dict(),
        "nested_scalars.pt": {"trainer": {"iteration": 12, "elapsed_time": 1.5, "done": True, "note": "ü"}},
        "dtypes.pt": {str(t).replace("torch.", ""): torch.ones(2, dtype=t) for t in (
            torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
            torch.int32, torch.int64, torch.uint8, torch.bool)},
        "unsupported_dtype.pt": {"c": torch.ones(2, dtype=torch.complex64)},
        "views.pt": {"whole": base, "column": base[:, 1], "transposed": base.t(), "empty": base[:0],
                     "scalar": torch.tensor(7.0), "offset": base[2]},
        "parameter.pt": {"w": torch.nn.Parameter(torch.ones(2, 2))},
        "ordered_dict.pt": collections.OrderedDict([("b", torch.zeros(1)), ("a", 1)]),
        "list_and_none.pt": {"xs": [1, 2], "t": (1.0,), "n": None},
        "one_item_dict.pt": {"x": 1},
        "empty_dict.pt": {},
        "bare_tensor.pt": torch.ones(3),
    }
    for name, value in seeds.items():
        torch.save(value, out / name)
    torch.save(net.state_dict(), out / "protocol4.pt", pickle_protocol=4)
    torch.save(net.state_dict(), out / "legacy_format.pt", _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.trace(net.eval(), torch.randn(2, 3)), out / "torchscript.pt")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
