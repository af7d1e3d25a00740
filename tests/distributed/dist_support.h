// Distributed end-to-end support: small manifests for two ranks, the ranks' environment, snapshot trees.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "e2e_support.h"
#include "same_state.h"  // check_same_leaves
#include "state/memory_tree.h"

namespace tk_test {

// small_manifest (e2e_support.h) with `batch` examples per rank and a [distributed] timeout of `timeout` s.
// 512 training examples: 8 iterations per epoch for two ranks of 32 (or one process of 64).
std::string dist_manifest(const std::string& stop, const std::string& extensions, int batch = 32, int timeout = 20);

// torchrun's variables for rank `rank` of `world` with rank 0 at 127.0.0.1:port.
std::map<std::string, std::string> rank_env(int rank, int world, int port);

// The newest complete step folder or file of a run's out/ by iteration, e.g. "snapshot_iter_16".
trainkit::state::MemoryTree read_snapshot(const std::string& path);

using Strings = std::vector<std::string>;
// The names in a folder, sorted.
Strings list_dir(const std::string& path);

// The largest absolute difference between the float32 tensors under prefix (same keys and shapes required).
double max_float_difference(const trainkit::state::MemoryTree& a, const trainkit::state::MemoryTree& b,
                            const std::string& prefix);

// The pid of the child of `parent` whose environment has RANK=rank (a rank started by --nproc); -1 if none.
int rank_pid(int parent, int rank);

// Seconds since a steady-clock start.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace tk_test
