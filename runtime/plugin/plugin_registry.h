// trainkit plugins: load every plugin the run may use, refuse the rest with one reason each.
//
//   PluginRegistry registry(&host, TORCH_VERSION);
//   for (const auto& dir : plugin_search_dirs(manifest.plugin_dirs, installed_dir)) registry.load_dir(dir);
//   for (const auto& r : registry.refused()) std::cerr << r.path << ": refused: " << r.reason << "\n";
//   const LoadedPlugin* owner = nullptr;
//   const tk_extension_class* cls = registry.find_class("snapshot", &owner);
//   const tk_dataset_class* ds = registry.find_dataset("spirals", &owner);   // [data] plugin = "spirals"
//
// Per file, in this order, stopping at the first failure (docs/abi.md lists the refusals): what the folder
// entry is (a regular file, or a symlink to one), owner/mode policy up to the search folder, the scan (a
// cached verdict, or the static probe and then the scanner process, when enable_scan was called; the
// static probe alone otherwise), dlopen RTLD_NOW|RTLD_LOCAL, entry checks, duplicate id, LibTorch version,
// init, extension class checks. One bad file never stops the others.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plugin/plugin_folder.h"
#include "plugin/plugin_scan.h"
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

  // From now on, every file is scanned out of process before it is loaded (plugin_scan.h). The CLI
  // always does this; without it (tests, tools loading their own fixtures) files are only probed.
  void enable_scan(ScanSettings settings);

  // Every entry named *.so in dir, by name: regular files and symlinks to them are loaded, anything else
  // (a directory, a FIFO, a device, a dangling link, a symlink loop) is refused with what it is. A missing
  // or unreadable dir is one refusal line with the dir as its path.
  void load_dir(const std::string& dir);
  // One file; root is the search folder it was found in (the owner/mode policy covers every folder from
  // the file up to it), or "" for the file's own folder. A file whose real path was already tried (loaded
  // or refused) is skipped silently, so a folder listed twice or a symlink next to its target never inits
  // a plugin twice.
  void load_file(const std::string& path, const std::string& root = "");

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
  // One kind of class (extension or dataset) by name, with the index into loaded_ of the plugin providing
  // it: both kinds clash, are found and are listed the same way.
  template <typename Class>
  class ClassIndex {
   public:
    explicit ClassIndex(const char* kind) : kind_(kind) {}
    // '<kind> "<name>" is already provided by <path>' for the first of classes another plugin provides.
    std::optional<std::string> first_clash(const std::vector<const Class*>& classes,
                                           const std::vector<LoadedPlugin>& loaded) const {
      for (const Class* cls : classes) {
        auto it = by_name_.find(cls->name);
        if (it != by_name_.end())
          return std::string(kind_) + " \"" + cls->name + "\" is already provided by " + loaded[it->second.plugin].path;
      }
      return std::nullopt;
    }
    void add(const std::vector<const Class*>& classes, size_t plugin) {
      for (const Class* cls : classes) by_name_[cls->name] = Ref{plugin, cls};
    }
    const Class* find(const std::string& name, const std::vector<LoadedPlugin>& loaded,
                      const LoadedPlugin** owner) const {
      auto it = by_name_.find(name);
      if (owner != nullptr) *owner = it == by_name_.end() ? nullptr : &loaded[it->second.plugin];
      return it == by_name_.end() ? nullptr : it->second.cls;
    }
    std::vector<std::string> names() const {  // sorted: std::map
      std::vector<std::string> names;
      names.reserve(by_name_.size());
      for (const auto& entry : by_name_) names.push_back(entry.first);
      return names;
    }

   private:
    struct Ref {
      size_t plugin;  // index into loaded_
      const Class* cls;
    };
    const char* kind_;
    std::map<std::string, Ref> by_name_;
  };

  std::optional<std::string> load_checked(const std::string& path, const std::string& real, const std::string& root);
  // The folder's files that will be scanned, scanned several at a time first (PluginScan::scan_ahead).
  void scan_ahead(const std::vector<FolderEntry>& entries, const std::string& root);

  const tk_host* host_;
  std::string libtorch_version_;
  std::vector<LoadedPlugin> loaded_;
  std::vector<RefusedPlugin> refused_;
  ClassIndex<tk_extension_class> classes_{"extension class"};
  ClassIndex<tk_dataset_class> datasets_{"dataset class"};
  std::set<std::string> tried_;              // real paths
  std::unique_ptr<PluginScan> scan_;         // null: probe only
  bool shut_down_ = false;
};

}  // namespace trainkit
