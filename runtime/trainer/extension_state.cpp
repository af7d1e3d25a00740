#include "trainer/extension_state.h"

#include <algorithm>

#include "core/error.h"

namespace trainkit {
namespace {

const std::string kExtensions = "extensions/";

std::string scope_of(const std::string& name) { return kExtensions + name + "/"; }

}  // namespace

void save_extension(state::Visitor& v, const ExtensionSlot& slot) {
  ExtensionInstance& e = *slot.instance;
  const PlannedExtension& p = e.planned();
  v.scope("extensions", [&] {
    v.scope(e.name(), [&] {
      v.scope("header", [&] {
        std::string id = p.plugin->id, version = p.plugin->version, cls = p.cls->name;
        int64_t state_version = p.cls->state_version;
        v.value("plugin_id", id);
        v.value("plugin_version", version);
        v.value("class", cls);
        v.value("state_version", state_version);
      });
      v.scope("trigger", [&] { slot.trigger->visit(v); });
      if (e.wants_summary()) v.scope("summary", [&] { e.summary().visit(v); });
      if (e.stateful()) v.scope("state", [&] { e.visit_state(v, p.cls->state_version); });
    });
  });
}

void check_resume_compatible(const state::MemoryTree& tree, const std::vector<ExtensionSlot>& slots,
                             const std::string& snapshot_path) {
  for (const ExtensionSlot& slot : slots) {
    const ExtensionInstance& e = *slot.instance;
    const std::string header = scope_of(e.name()) + "header/";
    const std::string* saved_id = state::find_leaf<std::string>(tree, header + "plugin_id");
    if (saved_id == nullptr) continue;  // new since the snapshot: starts fresh
    const std::string* saved_version = state::find_leaf<std::string>(tree, header + "plugin_version");
    const int64_t* saved_state = state::find_leaf<int64_t>(tree, header + "state_version");
    const PlannedExtension& p = e.planned();
    const std::string saved_desc =
        str_cat(*saved_id, " ", saved_version ? *saved_version : "?", ", state v", saved_state ? *saved_state : 0);
    TK_CHECK(*saved_id == p.plugin->id, ResumeError, "cannot resume \"", e.name(), "\" from ", snapshot_path,
             ": the snapshot holds state of ", saved_desc, " but the manifest's \"", e.name(), "\" is ",
             p.plugin->id, " ", p.plugin->version,
             "; give the new extension another name (name = \"...\") or resume with the plugin that wrote it");
    const int64_t version = saved_state ? *saved_state : 0;
    if (version == 0 || !e.stateful()) continue;  // nothing for the plugin to read
    const int64_t oldest = p.cls->oldest_state_version, newest = p.cls->state_version;
    TK_CHECK(version >= oldest && version <= newest, ResumeError, "cannot resume \"", e.name(), "\" from ",
             snapshot_path, ": the snapshot holds state v", version, " of ", saved_desc, "; the loaded ",
             p.plugin->id, " ", p.plugin->version, " reads v", oldest, "..v", newest,
             version > newest ? "; upgrade the plugin" : "; use a plugin version that still reads it",
             " or rename the instance to start it fresh");
  }
}

bool load_extension(const state::MemoryTree& tree, state::Visitor& loader, const ExtensionSlot& slot) {
  ExtensionInstance& e = *slot.instance;
  const std::string scope = scope_of(e.name());
  if (state::find_leaf<std::string>(tree, scope + "header/plugin_id") == nullptr) return false;
  const int64_t* saved_state = state::find_leaf<int64_t>(tree, scope + "header/state_version");
  loader.scope("extensions", [&] {
    loader.scope(e.name(), [&] {
      loader.scope("trigger", [&] { slot.trigger->visit(loader); });
      if (e.wants_summary()) loader.scope("summary", [&] { e.summary().visit(loader); });
      if (e.stateful() && saved_state != nullptr && *saved_state != 0)
        loader.scope("state", [&] { e.visit_state(loader, static_cast<uint32_t>(*saved_state)); });
    });
  });
  return true;
}

std::vector<std::string> saved_extension_names(const state::MemoryTree& tree) {
  return state::child_scopes(tree, "extensions/");
}

}  // namespace trainkit
