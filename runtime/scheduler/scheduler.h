// trainkit scheduler: which extensions run this iteration, and in what order.
//
//   Scheduler s;
//   s.add(unique_instance_name("LogReport", taken), TK_PRIORITY_READER, make_trigger(spec), [&] { ... });
//   s.set_before_trigger([&](size_t entry) { summaries[entry].add(observation); });
//   s.run_iteration(ctx);   // after every update
//   s.visit(v);             // <name>/trigger/... for every entry
//
// Chainer's order (descending priority, ties in manifest order) with ppe's fix: an entry at exactly
// TK_PRIORITY_SNAPSHOT whose trigger fired is called only after every other trigger of the iteration was
// evaluated, so a snapshot saves the state of triggers that already saw this iteration (ppe PR #166:
// otherwise they fire again after a resume).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <trainkit/abi/extension.h>

#include "state/visitor.h"
#include "trigger/trigger.h"

namespace trainkit {

inline constexpr int64_t kPrioritySnapshot = TK_PRIORITY_SNAPSHOT;

// `wanted` if free, else wanted_1, wanted_2, ... (Chainer's extend); records the result in `taken`.
std::string unique_instance_name(const std::string& wanted, std::vector<std::string>& taken);

// Indices sorted by descending priority; equal priorities keep their given (manifest) order.
std::vector<size_t> priority_order(const std::vector<int64_t>& priorities);

// Use once per run to own every extension's trigger and call them in order.
class Scheduler {
 public:
  // Appends an entry (its index is the manifest order) and returns that index. Names must be unique:
  // they key the saved trigger state. Throws std::invalid_argument on a duplicate name or null trigger.
  size_t add(std::string name, int64_t priority, std::unique_ptr<Trigger> trigger, std::function<void()> call);

  // Called with an entry's index right before its trigger is evaluated, every iteration, whether or not
  // it fires: where the host feeds interval summaries (they then include writers of higher priority).
  void set_before_trigger(std::function<void(size_t entry)> hook) { before_trigger_ = std::move(hook); }

  // Evaluates every trigger in priority order and calls the entries that fired; then runs
  // `after_triggers` (the trainer evaluates its stop trigger there); then calls the fired
  // snapshot-priority entries in priority order, so a snapshot holds every trigger's state of this
  // iteration, the stop trigger's included. An exception from a call leaves at once.
  void run_iteration(const TriggerContext& ctx, const std::function<void()>& after_triggers = {});

  // Saves or loads every entry's trigger under <name>/trigger.
  void visit(state::Visitor& v);

  size_t size() const { return entries_.size(); }
  const std::vector<size_t>& order() const { return order_; }
  const std::string& name(size_t entry) const { return entries_.at(entry).name; }
  int64_t priority(size_t entry) const { return entries_.at(entry).priority; }
  Trigger& trigger(size_t entry) { return *entries_.at(entry).trigger; }
  const Trigger& trigger(size_t entry) const { return *entries_.at(entry).trigger; }

 private:
  struct Entry {
    std::string name;
    int64_t priority;
    std::unique_ptr<Trigger> trigger;
    std::function<void()> call;
  };
  std::vector<Entry> entries_;
  std::vector<size_t> order_;  // priority order, recomputed on add
  std::function<void(size_t)> before_trigger_;
};

}  // namespace trainkit
