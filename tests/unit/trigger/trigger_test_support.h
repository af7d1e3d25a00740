// Helpers of the trigger tests: Chainer's mock updater (epoch_detail = iteration / iterations_per_epoch,
// iterations_per_epoch possibly fractional) and save/load through the in-memory state tree.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "state/memory_tree.h"
#include "trigger/trigger.h"

namespace trainkit::testing {

inline TriggerContext context_at(int64_t iteration, double iterations_per_epoch, const Observation* obs = nullptr) {
  TriggerContext ctx;
  ctx.iteration = iteration;
  ctx.epoch_detail = static_cast<double>(iteration) / iterations_per_epoch;
  ctx.previous_epoch_detail = iteration == 0 ? 0.0 : static_cast<double>(iteration - 1) / iterations_per_epoch;
  ctx.iterations_per_epoch = std::max<int64_t>(1, std::llround(iterations_per_epoch));
  ctx.observation = obs;
  return ctx;
}

// Calls the trigger after each update first..last (inclusive); returns the iterations where it fired.
inline std::vector<int64_t> fired(Trigger& t, int64_t first, int64_t last, double iterations_per_epoch) {
  std::vector<int64_t> out;
  for (int64_t i = first; i <= last; ++i)
    if (t(context_at(i, iterations_per_epoch))) out.push_back(i);
  return out;
}

inline state::MemoryTree save(Trigger& t) {
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  t.visit(saver);
  return tree;
}

inline void load(Trigger& t, const state::MemoryTree& tree) {
  state::MemoryLoader loader(tree);
  t.visit(loader);
}

// Runs 1..k on one trigger, saves, loads into a fresh one from `make` and runs k+1..n on it.
inline std::vector<int64_t> fired_with_resume(const std::function<std::unique_ptr<Trigger>()>& make, int64_t k,
                                              int64_t n, double iterations_per_epoch) {
  auto before = make();
  std::vector<int64_t> out = fired(*before, 1, k, iterations_per_epoch);
  state::MemoryTree tree = save(*before);
  auto after = make();
  load(*after, tree);
  for (int64_t i : fired(*after, k + 1, n, iterations_per_epoch)) out.push_back(i);
  return out;
}

}  // namespace trainkit::testing
