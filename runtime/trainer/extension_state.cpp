#include "trainer/extension_state.h"

#include <algorithm>

#include "core/error.h"

namespace trainkit {
namespace {

const std::string kExtensions = "extensions/";

std::string scope_of(const std::string& name) { return kExtensions + name + "/"; }

template <class T>
const T* leaf(const state::MemoryTree& tree, const std::string& path) {
  auto it = tree.leaves.find(path);
  return it == tree.leaves.end() ? nullptr : std::get_if<T>(&it->second);
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1)
    parts.push_back(path.substr(start, slash - start));
  parts.push_back(path.substr(start));
  return parts;
}

// Visits one stored leaf into a saving visitor; tensors are lent as DLTensors over the stored bytes.
void replay_leaf(const state::Leaf& value, const std::string& key, state::Visitor& v) {
  std::visit(
      [&](const auto& stored) {
        using T = std::decay_t<decltype(stored)>;
        if constexpr (std::is_same_v<T, state::TensorLeaf>) {
          DLTensor t{};
          t.data = const_cast<uint8_t*>(stored.data.data());
          t.device = DLDevice{kDLCPU, 0};
          t.ndim = static_cast<int32_t>(stored.shape.size());
          t.dtype = stored.dtype;
          t.shape = const_cast<int64_t*>(stored.shape.data());
          v.tensor(key, t);
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          auto copy = stored;
          v.bytes(key, copy);
        } else {
          auto copy = stored;
          v.value(key, copy);
        }
      },
      value);
}

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
    const std::string* saved_id = leaf<std::string>(tree, header + "plugin_id");
    if (saved_id == nullptr) continue;  // new since the snapshot: starts fresh
    const std::string* saved_version = leaf<std::string>(tree, header + "plugin_version");
    const int64_t* saved_state = leaf<int64_t>(tree, header + "state_version");
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
  if (leaf<std::string>(tree, scope + "header/plugin_id") == nullptr) return false;
  const int64_t* saved_state = leaf<int64_t>(tree, scope + "header/state_version");
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

void replay(const state::MemoryTree& tree, const std::string& prefix, state::Visitor& saver) {
  for (auto it = tree.leaves.lower_bound(prefix); it != tree.leaves.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    std::vector<std::string> parts = split(it->first);
    for (size_t i = 0; i + 1 < parts.size(); ++i) saver.enter(parts[i]);
    replay_leaf(it->second, parts.back(), saver);
    for (size_t i = 0; i + 1 < parts.size(); ++i) saver.leave();
  }
}

}  // namespace trainkit
