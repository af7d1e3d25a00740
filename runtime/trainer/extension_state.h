// trainkit trainer: each extension's place in the state tree, and resuming across plugin sets.
//
//   extensions/<instance>/header/{plugin_id, plugin_version, class, state_version}
//   extensions/<instance>/trigger/...     its trigger (Chainer semantics need the previous counters)
//   extensions/<instance>/summary/...     the interval means it has accumulated (WANTS_SUMMARY)
//   extensions/<instance>/state/...       what the plugin's own visit_state writes
//
// Note [Resume across plugin sets]: state of an instance that is not loaded now is carried forward
// unchanged into later snapshots; an instance with no saved state starts fresh and is told so; a saved
// state from another plugin id or an unreadable state version is refused before any plugin visits.
#pragma once

#include <string>
#include <vector>

#include "state/memory_tree.h"
#include "state/visitor.h"
#include "trainer/extension_instance.h"
#include "trigger/trigger.h"

namespace trainkit {

// Use to pair an instance with the trigger the scheduler evaluates for it.
struct ExtensionSlot {
  ExtensionInstance* instance;
  Trigger* trigger;
};

void save_extension(state::Visitor& v, const ExtensionSlot& slot);

// Throws ResumeError naming the instance, the saved and loaded plugin/version and what to do, for the
// first incompatible saved state. Runs before any visit, so a refused resume changes nothing.
void check_resume_compatible(const state::MemoryTree& tree, const std::vector<ExtensionSlot>& slots,
                             const std::string& snapshot_path);

// Loads one instance's state; returns false (and touches nothing) when the snapshot has none for it.
bool load_extension(const state::MemoryTree& tree, state::Visitor& loader, const ExtensionSlot& slot);

// Instance names the snapshot holds state for.
std::vector<std::string> saved_extension_names(const state::MemoryTree& tree);

}  // namespace trainkit
