// trainkit manifest: the bounds on what a manifest may ask of the machine, beside the hyperparameters'
// ranges (runtime/catalogue/). Each keeps a typo or a hostile value from hanging or exhausting the machine,
// and each is checked where the manifest is read, so `trainkit validate` and `trainkit run` agree;
// docs/manifest.md#limits says why each is where it is.
//
//   if (d.batch_size > kMaxBatchSize) ...;   // "must be at most 16777216"
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace trainkit {

// A manifest is a few KB of TOML; /dev/zero or a log file named by mistake is not read to the end.
constexpr size_t kMaxManifestBytes = size_t{4} << 20;

// 2^24 examples: far beyond what one process trains at once, and small enough that no sum of a batch size
// and a data set's size overflows.
constexpr int64_t kMaxBatchSize = int64_t{1} << 24;

// trainer.threads: more threads than cores only makes LibTorch's pool spin against itself (100000 threads
// started 1,700 and never trained), so a count is refused above 4 per hardware thread, and above 1024
// on any machine.
constexpr int64_t kMaxThreads = 1024;
constexpr int64_t kThreadsPerHardwareThread = 4;

// Instance names appear in --set paths, state scopes, log lines and file names.
constexpr size_t kMaxInstanceNameLength = 128;

// The most threads trainer.threads may ask for on this machine: min(kMaxThreads, 4 x hardware threads).
// Header-only, so the LibTorch side checks a config built in code the same way without linking the manifest.
inline int64_t max_threads_here() {
  // hardware_concurrency() may answer 0 when it cannot tell: then only the fixed bound applies.
  const auto hardware = static_cast<int64_t>(std::thread::hardware_concurrency());
  return hardware == 0 ? kMaxThreads : std::min(kMaxThreads, kThreadsPerHardwareThread * hardware);
}

}  // namespace trainkit
