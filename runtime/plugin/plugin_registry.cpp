#include "plugin/plugin_registry.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "plugin/call.h"
#include "plugin/entry_checks.h"
#include "plugin/file_policy.h"
#include "plugin/loader.h"
#include "plugin/static_probe.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;

bool ends_with_so(const std::string& name) {
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
}

// A stripped plugin got past the static probe without a symbol check; dlsym tells the same story.
std::string missing_entry_reason(const ResidentLibrary& library) {
  for (unsigned major = 0; major <= 16; ++major) {
    if (major == TK_ABI_MAJOR) continue;
    if (library.symbol(str_cat("trainkit_plugin_entry_v", major).c_str()) != nullptr) {
      return other_major_reason(major);
    }
  }
  return str_cat("no ", TK_ENTRY_SYMBOL_NAME, " symbol");
}

// Plugins must not throw across the ABI; if one does anyway, it is refused, not allowed to kill the host.
std::optional<std::string> call_init(const tk_plugin_entry& entry, const tk_host* host) {
  tk_error err = make_error_buffer();
  tk_status status = TK_ERR_INTERNAL;
  try {
    status = entry.init(host, &err);
  } catch (...) {
    return std::string("init failed: a C++ exception escaped init (plugins must return a status)");
  }
  if (status == TK_OK) return std::nullopt;
  return str_cat("init failed: ", failure_text(status, err));
}

void call_deinit(const tk_plugin_entry& entry) noexcept {
  if (entry.deinit == nullptr) return;
  try {
    entry.deinit();
  } catch (...) {
    // Nothing useful to do at shutdown; the library stays mapped either way.
  }
}

}  // namespace

PluginRegistry::PluginRegistry(const tk_host* host, std::string libtorch_version)
    : host_(host), libtorch_version_(std::move(libtorch_version)) {}

PluginRegistry::~PluginRegistry() { shutdown(); }

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
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (ends_with_so(name) && fs::is_regular_file(it->path(), type_ec)) names.push_back(name);  // follows symlinks
  }
  if (ec) {
    refused_.push_back({dir, str_cat("cannot read plugin directory: ", ec.message())});
    return;
  }
  // Sorted so the first of two plugins with one id (or one class name) is the same on every machine.
  std::sort(names.begin(), names.end());
  for (const auto& name : names) load_file((fs::path(dir) / name).string());
}

void PluginRegistry::load_file(const std::string& path) {
  TK_INTERNAL_ASSERT(!shut_down_);
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) {
    refused_.push_back({path, str_cat("cannot resolve path: ", ec.message())});
    return;
  }
  if (!tried_.insert(real.string()).second) return;
  if (auto reason = load_checked(path, real.string())) refused_.push_back({path, *reason});
}

std::optional<std::string> PluginRegistry::load_checked(const std::string& path, const std::string& real) {
  if (auto reason = check_file_policy(real)) return reason;
  if (auto reason = probe_plugin_file(real)) return reason;

  std::string error;
  auto library = ResidentLibrary::open(real, &error);
  if (!library) return str_cat("cannot load: ", error);
  const auto* entry = static_cast<const tk_plugin_entry*>(library->symbol(TK_ENTRY_SYMBOL_NAME));
  if (entry == nullptr) return missing_entry_reason(*library);
  if (auto reason = check_entry(*entry)) return reason;

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
  std::set<std::string> own_names;
  const size_t count = entry->class_count();
  for (size_t i = 0; i < count; ++i) {
    const tk_extension_class* cls = entry->get_class(i);
    std::optional<std::string> reason = check_extension_class(cls, i);
    if (!reason && !own_names.insert(cls->name).second) {
      reason = str_cat("extension class \"", cls->name, "\" is declared twice");
    }
    if (!reason) {
      auto clash = classes_.find(cls->name);
      if (clash != classes_.end()) {
        reason = str_cat("extension class \"", cls->name, "\" is already provided by ",
                         loaded_[clash->second.plugin].path);
      }
    }
    if (reason) {
      call_deinit(*entry);
      return reason;
    }
    plugin.classes.push_back(cls);
  }

  std::set<std::string> own_datasets;
  const size_t datasets = dataset_class_count(*entry);
  for (size_t i = 0; i < datasets; ++i) {
    const tk_dataset_class* cls = entry->get_dataset_class(i);
    std::optional<std::string> reason = check_dataset_class(cls, i);
    if (!reason && !own_datasets.insert(cls->name).second) {
      reason = str_cat("dataset class \"", cls->name, "\" is declared twice");
    }
    if (!reason) {
      auto clash = datasets_.find(cls->name);
      if (clash != datasets_.end()) {
        reason = str_cat("dataset class \"", cls->name, "\" is already provided by ", loaded_[clash->second.first].path);
      }
    }
    if (reason) {
      call_deinit(*entry);
      return reason;
    }
    plugin.datasets.push_back(cls);
  }

  for (const auto* cls : plugin.classes) classes_[cls->name] = ClassRef{loaded_.size(), cls};
  for (const auto* cls : plugin.datasets) datasets_[cls->name] = {loaded_.size(), cls};
  loaded_.push_back(std::move(plugin));
  return std::nullopt;
}

const tk_extension_class* PluginRegistry::find_class(const std::string& name, const LoadedPlugin** owner) const {
  auto it = classes_.find(name);
  if (it == classes_.end()) {
    if (owner != nullptr) *owner = nullptr;
    return nullptr;
  }
  if (owner != nullptr) *owner = &loaded_[it->second.plugin];
  return it->second.cls;
}

std::vector<std::string> PluginRegistry::class_names() const {
  std::vector<std::string> names;
  names.reserve(classes_.size());
  for (const auto& [name, ref] : classes_) names.push_back(name);  // std::map: already sorted
  return names;
}

const tk_dataset_class* PluginRegistry::find_dataset(const std::string& name, const LoadedPlugin** owner) const {
  auto it = datasets_.find(name);
  if (owner != nullptr) *owner = it == datasets_.end() ? nullptr : &loaded_[it->second.first];
  return it == datasets_.end() ? nullptr : it->second.second;
}

std::vector<std::string> PluginRegistry::dataset_names() const {
  std::vector<std::string> names;
  for (const auto& [name, ref] : datasets_) names.push_back(name);
  return names;
}

void PluginRegistry::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Reverse load order, like destructors: a later plugin may rely on services an earlier one set up.
  for (auto it = loaded_.rbegin(); it != loaded_.rend(); ++it) call_deinit(*it->entry);
}

}  // namespace trainkit
