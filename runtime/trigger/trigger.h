// trainkit triggers: the stateful "should this run now?" objects of the loop.
//
//   std::unique_ptr<Trigger> t = make_trigger(parse_trigger_text("2 epoch"));
//   if ((*t)(ctx)) extension.call();       // once per iteration, after the update
//   t->visit(saver);                       // previous_iteration, previous_epoch_detail
//
// Chainer's semantics: a trigger remembers what it saw at its previous call, so a boundary that was
// skipped between two calls still fires once, and that memory is saved and restored with the run.
// A trigger object belongs to exactly one user (Chainer #7665: sharing one breaks both).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "state/visitor.h"
#include "trigger/observation.h"
#include "trigger/trigger_spec.h"

namespace trainkit {

// Use to tell a trigger where the run is. Triggers read epoch_detail for epoch units and never
// iterations_per_epoch, so a test may feed any epoch_detail, e.g. iteration / 2.5 (Chainer's
// unaligned epochs, where a batch straddles two epochs).
struct TriggerContext {
  int64_t iteration = 0;               // updates done so far
  double epoch_detail = 0;             // epochs done so far, fractional
  double previous_epoch_detail = 0;    // epoch_detail one iteration ago (fallback after a state-less load)
  int64_t iterations_per_epoch = 1;    // informational
  double elapsed_time = 0;             // seconds of training, accumulated across resumes
  const Observation* observation = nullptr;  // this iteration's observation; null reads as empty
  bool resumed = false;                // informational: the run was restored from a snapshot
  // Receives Chainer's warnings (a monitor missing at a check, state missing in a snapshot). May be empty.
  std::function<void(const std::string&)> warn;
};

// Calls ctx.warn if set.
void trigger_warning(const TriggerContext& ctx, const std::string& message);

// Use as the base of every trigger. Not copyable: state belongs to one user.
class Trigger {
 public:
  Trigger() = default;
  Trigger(const Trigger&) = delete;
  Trigger& operator=(const Trigger&) = delete;
  virtual ~Trigger() = default;

  // Called once per iteration (or sparsely); true when its user should run now.
  virtual bool operator()(const TriggerContext& ctx) = 0;
  // Saves or loads the trigger's memory (state::Visitor); stateless triggers keep the default.
  virtual void visit(state::Visitor&) {}
  // True when it can never fire again (Chainer: an extension whose trigger is finished is not initialized).
  virtual bool finished() const { return false; }
  // In the manifest's words ("2 epoch", "at [1, 2] epoch"), for messages and `trainkit validate`.
  virtual std::string describe() const;
  // The first iteration at which a fresh trigger fires, if that is known without running
  // (interval, schedule, early stopping's maximum): a stop trigger's training length, for progress bars.
  virtual std::optional<int64_t> max_iteration(double /*iterations_per_epoch*/) const { return std::nullopt; }
};

// Chainer's `None` trigger: never fires.
class NeverTrigger final : public Trigger {
 public:
  bool operator()(const TriggerContext&) override { return false; }
  std::string describe() const override { return "never"; }
};

// Builds the stateful trigger a spec describes. Throws std::invalid_argument on a bad spec
// (non-positive period, empty schedule, ...).
std::unique_ptr<Trigger> make_trigger(const TriggerSpec& spec);

}  // namespace trainkit
