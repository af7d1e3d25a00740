#include "trainer/run_state.h"

#include <algorithm>

#include "core/error.h"
#include "trainer/host_services.h"
#include "trainer/snapshot_io.h"

namespace trainkit {

RunState::RunState(const Manifest& manifest, Progress& progress, Session& session, std::vector<ExtensionSlot> slots,
                   int world_size)
    : manifest_(manifest), progress_(progress), session_(session), slots_(std::move(slots)), world_size_(world_size) {}

void RunState::save_meta(state::Visitor& v, const std::string& target) const {
  v.scope("meta", [&] {
    std::string version = TRAINKIT_VERSION, text = manifest_.text, t = target, plugins;
    for (const ExtensionSlot& slot : slots_) {
      const PlannedExtension& p = slot.instance->planned();
      plugins += str_cat(p.name, " ", p.plugin->id, " ", p.plugin->version, "\n");
    }
    v.value("trainkit_version", version);
    v.value("target", t);
    v.value("manifest", text);
    v.value("extensions", plugins);
    int64_t ranks = world_size_;
    v.value("world_size", ranks);
  });
}

void RunState::save(state::Visitor& v, const std::string& target) {
  save_meta(v, target);
  const StateParts parts = parse_target(target);
  if (parts.counters) v.scope("trainer", [&] { progress_.save(v); });
  session_.visit_parts(v, SessionParts{parts.model, parts.optimizer, parts.updater});
  if (!parts.extensions) return;
  for (const ExtensionSlot& slot : slots_) save_extension(v, slot);
  state::replay(carried_, v);  // carried_ holds only extensions/<name>/ subtrees
}

void RunState::load(const state::MemoryTree& tree, const std::string& snapshot_path) {
  const std::string* target = state::find_leaf<std::string>(tree, "meta/target");
  TK_CHECK(target == nullptr || *target == "trainer", ResumeError, "cannot resume from ", snapshot_path,
           ": it holds only part of the training state (target = \"", *target,
           "\"); resume needs a target = \"trainer\" snapshot (use --init-from to start from its weights)");
  check_resume_compatible(tree, slots_, snapshot_path);

  // Note [One global order, strided by rank] (distributed/shard.h): the weights, the optimizer and the counters
  // do not depend on the world size; which examples each rank takes next does.
  const int64_t* saved_ranks = state::find_leaf<int64_t>(tree, "meta/world_size");
  const int64_t ranks_then = saved_ranks ? *saved_ranks : 1;
  if (ranks_then != world_size_)
    host_log(TK_LOG_WARNING, "", str_cat("resuming a run of ", ranks_then, " rank(s) with ", world_size_,
                                         ": model, optimizer and counters load exactly; the data order does not "
                                         "(the global batch and each rank's share of the epoch change)"));
  state::MemoryLoader loader(tree);
  loader.scope("trainer", [&] { progress_.load(loader, snapshot_path); });
  session_.visit(loader);
  for (const ExtensionSlot& slot : slots_) {
    bool restored = load_extension(tree, loader, slot);
    slot.instance->set_state_restored(restored);
    if (!restored) host_log(TK_LOG_INFO, slot.instance->name(), "no saved state in the snapshot; starting fresh");
  }
  carry_forward_absent(tree);
}

// Note [Resume across plugin sets]: keep what belongs to instances that are not loaded now.
void RunState::carry_forward_absent(const state::MemoryTree& tree) {
  carried_ = state::MemoryTree{};
  for (const std::string& name : saved_extension_names(tree)) {
    bool loaded = std::any_of(slots_.begin(), slots_.end(),
                              [&](const ExtensionSlot& slot) { return slot.instance->name() == name; });
    if (loaded) continue;
    state::graft(carried_, tree, "extensions/" + name + "/");
    host_log(TK_LOG_INFO, "", str_cat("snapshot holds state for \"", name, "\", which is not in this run; kept unchanged"));
  }
}

}  // namespace trainkit
