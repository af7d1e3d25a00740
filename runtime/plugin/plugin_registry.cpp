#include "plugin/plugin_registry.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "plugin/entry_checks.h"
#include "plugin/file_policy.h"
#include "plugin/load_steps.h"
#include "plugin/plugin_folder.h"
#include "plugin/static_probe.h"

namespace trainkit {

namespace fs = std::filesystem;

PluginRegistry::PluginRegistry(const tk_host* host, std::string libtorch_version)
    : host_(host), libtorch_version_(std::move(libtorch_version)) {}

PluginRegistry::~PluginRegistry() { shutdown(); }

void PluginRegistry::enable_scan(ScanSettings settings) { scan_ = std::make_unique<PluginScan>(std::move(settings)); }

void PluginRegistry::load_dir(const std::string& dir) {
  TK_INTERNAL_ASSERT(!shut_down_);
  if (dir.empty()) {
    refused_.push_back({dir, "empty plugin directory path"});
    return;
  }
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    refused_.push_back({dir, "plugin directory does not exist"});
    return;
  }
  if (!fs::is_directory(dir, ec)) {
    refused_.push_back({dir, "not a directory"});
    return;
  }
  std::string problem;
  const std::vector<FolderEntry> entries = list_plugin_folder(dir, &problem);
  if (!problem.empty()) {
    refused_.push_back({dir, problem});
    return;
  }
  if (scan_) scan_ahead(entries, dir);
  for (const FolderEntry& entry : entries) {
    if (entry.refusal)
      refused_.push_back({entry.path, *entry.refusal});
    else
      load_file(entry.path, dir);
  }
  if (scan_) scan_->save_cache();
}

void PluginRegistry::scan_ahead(const std::vector<FolderEntry>& entries, const std::string& root) {
  std::vector<std::string> files;
  for (const FolderEntry& entry : entries) {
    std::error_code ec;
    const fs::path real = fs::canonical(entry.path, ec);
    if (entry.refusal || ec || tried_.count(real.string()) || check_file_policy(real, root)) continue;
    files.push_back(real.string());
  }
  scan_->scan_ahead(files);
}

void PluginRegistry::load_file(const std::string& path, const std::string& root) {
  TK_INTERNAL_ASSERT(!shut_down_);
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) {
    refused_.push_back({path, str_cat("cannot resolve path: ", ec.message())});
    return;
  }
  if (!tried_.insert(real.string()).second) return;
  if (auto reason = load_checked(path, real.string(), root)) refused_.push_back({path, *reason});
  if (scan_) scan_->save_cache();
}

std::optional<std::string> PluginRegistry::load_checked(const std::string& path, const std::string& real,
                                                        const std::string& root) {
  if (auto reason = check_file_policy(real, root.empty() ? fs::path(path).parent_path().string() : root))
    return reason;
  if (auto reason = scan_ ? scan_->refusal(real) : probe_plugin_file(real)) return reason;

  const tk_plugin_entry* entry = nullptr;
  if (auto reason = open_entry(real, &entry)) return reason;
  const tk_plugin_descriptor& descriptor = *entry->descriptor;
  for (const auto& other : loaded_) {
    if (other.id == descriptor.id) return str_cat("plugin id ", other.id, " already loaded from ", other.path);
  }
  if (auto reason = check_libtorch(descriptor, libtorch_version_)) return reason;
  if (auto reason = call_init(*entry, host_)) return reason;

  // Classes are read only after init: the ABI makes class_count/get_class valid from then on. A refusal
  // from here on pairs the successful init with its deinit.
  LoadedPlugin plugin{path,        descriptor.id, descriptor.version, descriptor.description ? descriptor.description : "",
                      entry->abi,  entry,         {},                 {}};
  std::optional<std::string> reason = read_classes(*entry, &plugin.classes);
  if (!reason) reason = classes_.first_clash(plugin.classes, loaded_);
  if (!reason) reason = read_dataset_classes(*entry, &plugin.datasets);
  if (!reason) reason = datasets_.first_clash(plugin.datasets, loaded_);
  if (reason) {
    call_deinit(*entry);
    return reason;
  }
  classes_.add(plugin.classes, loaded_.size());
  datasets_.add(plugin.datasets, loaded_.size());
  loaded_.push_back(std::move(plugin));
  return std::nullopt;
}

const tk_extension_class* PluginRegistry::find_class(const std::string& name, const LoadedPlugin** owner) const {
  return classes_.find(name, loaded_, owner);
}

std::vector<std::string> PluginRegistry::class_names() const { return classes_.names(); }

const tk_dataset_class* PluginRegistry::find_dataset(const std::string& name, const LoadedPlugin** owner) const {
  return datasets_.find(name, loaded_, owner);
}

std::vector<std::string> PluginRegistry::dataset_names() const { return datasets_.names(); }

void PluginRegistry::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Reverse load order, like destructors: a later plugin may rely on services an earlier one set up.
  for (auto it = loaded_.rbegin(); it != loaded_.rend(); ++it) call_deinit(*it->entry);
}

}  // namespace trainkit
