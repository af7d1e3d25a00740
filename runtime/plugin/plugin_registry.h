// trainkit plugins: load every plugin the run may use, refuse the rest with one reason each.
//
//   PluginRegistry registry(&host, TORCH_VERSION);
//   for (const auto& dir : plugin_search_dirs(manifest.plugin_dirs, installed_dir)) registry.load_dir(dir);
//   for (const auto& r : registry.refused()) std::cerr << r.path << ": refused: " << r.reason << "\n";
//   const LoadedPlugin* owner = nullptr;
//   const tk_extension_class* cls = registry.find_class("snapshot", &owner);
//   const tk_dataset_class* ds = registry.find_dataset("spirals", &owner);   // [data] plugin = "spirals"
//
// Per file, in this order, stopping at the first failure (docs/abi.md lists the refusals): owner/mode policy,
// static probe (no plugin code runs), dlopen RTLD_NOW|RTLD_LOCAL, entry checks, duplicate id, LibTorch version,
// init, extension class checks. One bad file never stops the others.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "trainkit/abi.h"

namespace trainkit {

// Use to show or use a plugin that passed every check and whose init succeeded.
struct LoadedPlugin {
  std::string path;  // as found (folder from plugin_search_dirs + file name)
  std::string id, version, description;
  tk_abi_version abi;
  const tk_plugin_entry* entry;                  // static in the plugin; valid until exit
  std::vector<const tk_extension_class*> classes;  // in get_class order; static, valid until exit
  std::vector<const tk_dataset_class*> datasets;   // in get_dataset_class order (ABI 1.2); same lifetime
};

// Use to print a file (or a plugin folder) that was not loaded, and why.
struct RefusedPlugin {
  std::string path;
  std::string reason;  // one line without the path, e.g. "not a trainkit plugin (no tkplugin section)"
};

// Use once per process run: owns the plugins' init/deinit pairing. Libraries are never unloaded
// (Note [Plugins are never unloaded] in loader.h). Main thread only.
class PluginRegistry {
 public:
  // host must stay valid until shutdown() (plugins keep it from init to deinit). libtorch_version is the
  // host's TORCH_VERSION; a plugin declaring another one is refused. Empty: no LibTorch check.
  explicit PluginRegistry(const tk_host* host, std::string libtorch_version = {});
  ~PluginRegistry();  // shutdown()
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Every regular file named *.so in dir (symlinks followed), by name. A missing or unreadable dir is one
  // refusal line with the dir as its path.
  void load_dir(const std::string& dir);
  // One file. A file whose real path was already tried (loaded or refused) is skipped silently, so a
  // folder listed twice or a symlink next to its target never inits a plugin twice.
  void load_file(const std::string& path);

  const std::vector<LoadedPlugin>& loaded() const { return loaded_; }
  const std::vector<RefusedPlugin>& refused() const { return refused_; }

  // The class named name (the manifest's `use =`), or nullptr. *owner points into loaded(): valid until
  // the next load_dir/load_file.
  const tk_extension_class* find_class(const std::string& name, const LoadedPlugin** owner = nullptr) const;
  // Every class name, sorted.
  std::vector<std::string> class_names() const;
  // The dataset class named name (the manifest's data.plugin), or nullptr; *owner as for find_class.
  const tk_dataset_class* find_dataset(const std::string& name, const LoadedPlugin** owner = nullptr) const;
  // Every dataset class name, sorted.
  std::vector<std::string> dataset_names() const;

  // Calls each loaded plugin's deinit once, in reverse load order. Call it after every extension
  // instance was destroyed. Idempotent; loading after it is an internal error.
  void shutdown();

 private:
  struct ClassRef {
    size_t plugin;  // index into loaded_
    const tk_extension_class* cls;
  };

  void load_real_file(const std::string& path, const std::string& real);
  std::optional<std::string> load_checked(const std::string& path, const std::string& real);

  const tk_host* host_;
  std::string libtorch_version_;
  std::vector<LoadedPlugin> loaded_;
  std::vector<RefusedPlugin> refused_;
  std::map<std::string, ClassRef> classes_;  // by name
  std::map<std::string, std::pair<size_t, const tk_dataset_class*>> datasets_;  // by name: plugin, class
  std::set<std::string> tried_;              // real paths
  bool shut_down_ = false;
};

}  // namespace trainkit
