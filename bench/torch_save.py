"""Python's torch.save + fsync of a state, the baseline of snapshot_bench's torch-format row.

    /usr/bin/python3 bench/torch_save.py STATE_FILE OUT_FILE REPEATS

Loads STATE_FILE (a snapshot trainkit wrote with format = "torch", so the very same tensors), then saves it
REPEATS times to OUT_FILE as a user would: torch.save into an open file, flush, fsync. Prints one
"save_s <seconds>" line per save.
"""
import os
import sys
import time

import torch


def main():
    state_file, out_file, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    state = torch.load(state_file)
    for _ in range(repeats):
        if os.path.exists(out_file):
            os.unlink(out_file)
        os.sync()
        start = time.perf_counter()
        with open(out_file, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        print(f"save_s {time.perf_counter() - start:.6f}", flush=True)


if __name__ == "__main__":
    main()
