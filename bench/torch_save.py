"""Python's torch.save + fsync of a state, the baseline of snapshot_bench's torch-format row.

    /usr/bin/python3 bench/torch_save.py STATE_FILE OUT_FILE REPEATS

Loads STATE_FILE (a snapshot trainkit wrote with format = "torch", so the very same tensors), then saves it
REPEATS times, to OUT_FILE.0, OUT_FILE.1, ..., as a user would: torch.save into an open file, flush, fsync.
New files, older ones kept, as trainkit's snapshots are (a file removed just before would give the next
save its page-cache pages warm). Prints one "save_s <seconds>" line per save.
"""
import os
import sys
import time

import torch


def main():
    state_file, out_file, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    state = torch.load(state_file)
    for i in range(repeats):
        os.sync()
        start = time.perf_counter()
        with open(f"{out_file}.{i}", "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        print(f"save_s {time.perf_counter() - start:.6f}", flush=True)


if __name__ == "__main__":
    main()
