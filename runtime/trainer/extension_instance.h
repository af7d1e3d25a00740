// trainkit trainer: one created extension, with every call checked at the ABI edge.
//
//   ExtensionInstance ext(std::move(planned), services);   // calls the class's create
//   ext.call(ctx);                                          // TrainingError naming instance, plugin, call
//
// The host-side half of "exceptions never cross the boundary": a failed status becomes an exception
// here, with the plugin's message, the instance name, the plugin id and the call.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <trainkit/abi.h>

#include "state/visitor.h"
#include "trainer/host_services.h"
#include "trainer/plan.h"
#include "trigger/summary.h"

namespace trainkit {

// Use to own a plugin-created instance for the whole run; destroys it on destruction.
class ExtensionInstance {
 public:
  ExtensionInstance(PlannedExtension planned, HostServices& services);
  ~ExtensionInstance();
  ExtensionInstance(const ExtensionInstance&) = delete;
  ExtensionInstance& operator=(const ExtensionInstance&) = delete;

  const std::string& name() const { return planned_.name; }
  const PlannedExtension& planned() const { return planned_; }
  int64_t priority() const { return planned_.priority; }
  bool wants_summary() const { return (planned_.cls->flags & TK_EXTENSION_WANTS_SUMMARY) != 0; }
  bool call_on_stop() const { return (planned_.cls->flags & TK_EXTENSION_CALL_ON_STOP) != 0; }
  bool stateful() const { return planned_.cls->state_version != 0 && planned_.cls->visit_state != nullptr; }
  DictSummary& summary() { return summary_; }

  // Whether this instance's state came from a snapshot (told to the plugin in initialize).
  bool state_restored() const { return state_restored_; }
  void set_state_restored(bool restored) { state_restored_ = restored; }
  // The iteration of the last `call`, so a final call on stop is not made twice (-1: never called).
  int64_t last_called_iteration() const { return last_called_iteration_; }

  // A snapshot this instance knows to resume from (find_resume_point), or nullopt.
  std::optional<std::string> find_resume_point(const tk_context& ctx, bool requested);
  // Saves or loads the plugin's own state; `saved_version` is the state version stored with the data.
  void visit_state(state::Visitor& v, uint32_t saved_version);

  void initialize(const tk_context& ctx);
  void call(const tk_context& ctx);
  void finalize(const tk_context& ctx);
  // Never throws: the error path must reach every instance. Returns "" or the failure message.
  std::string on_error(const tk_context& ctx, const std::string& what) noexcept;

 private:
  void check(tk_status status, const tk_error& err, const char* call) const;
  // "extension "name" (class from plugin version) failed in <call>", the start of every failure message.
  std::string what_failed(const char* call) const;

  PlannedExtension planned_;
  InstanceHost host_;  // Note [One tk_host per instance]
  void* instance_ = nullptr;
  DictSummary summary_;
  bool state_restored_ = false;
  int64_t last_called_iteration_ = -1;
};

}  // namespace trainkit
