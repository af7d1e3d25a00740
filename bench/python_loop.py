"""The bare loop of loop_overhead_bench written in Python with Debian's torch (/usr/bin/python3).

    /usr/bin/python3 bench/python_loop.py ITERATIONS

The same work as the bench's bare LibTorch loop and as a trainkit step: MLP 784-256-10 on Fashion-MNIST,
batch 64, a seeded shuffle per epoch, Adam lr 1e-3, one thread, and the loss and accuracy read back every
step. Prints "train_s <seconds>" (the loop only), "wall_s <seconds>" (with reading the data) and
"faults_per_step <n>" (minor page faults per step of the loop).

The allocator: in this process glibc's malloc would give the ~800 KB temporaries of each Adam step back to the
kernel (the heap top is trimmed, or the block was its own mmap) and fault them in again at the next step,
which made this loop six to eight times slower than the C++ one, whose process keeps them (0 faults per
step there, ~385 here). The two mallopt calls below keep them in the heap here too, so the loop is timed.
"""
import ctypes
import gzip
import resource
import sys
import time

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
_libc = ctypes.CDLL("libc.so.6")
_libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)  # keep freed memory at the heap top
_libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)  # glibc's dynamic ceiling: blocks below it come from the heap

import numpy as np  # noqa: E402  (after mallopt: the thresholds must hold before the first large block)
import torch  # noqa: E402

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    start = time.perf_counter()
    torch.set_num_threads(1)
    images = torch.from_numpy(idx(f"{ROOT}/train-images-idx3-ubyte.gz", 16).copy()).view(-1, 1, 28, 28)
    labels = torch.from_numpy(idx(f"{ROOT}/train-labels-idx1-ubyte.gz", 8).copy()).long()
    count = labels.numel()
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)
    order_gen = torch.Generator().manual_seed(0)
    order, position = None, count

    train_start = time.perf_counter()
    faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(iterations):
        if position >= count:
            order = torch.randperm(count, generator=order_gen)
            position = 0
        index = order[position:position + 64]
        position += index.numel()
        x = images.index_select(0, index).float().div_(255)
        y = labels.index_select(0, index)
        adam.zero_grad(set_to_none=True)
        logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        adam.step()
        loss.item()
        logits.detach().argmax(1).eq(y).sum().item()
    end = time.perf_counter()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start
    print(f"train_s {end - train_start:.6f}")
    print(f"wall_s {end - start:.6f}")
    print(f"faults_per_step {faults / iterations:.1f}")


if __name__ == "__main__":
    main()
