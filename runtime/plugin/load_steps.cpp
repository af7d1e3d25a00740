#include "plugin/load_steps.h"

#include <set>

#include "core/error.h"
#include "plugin/call.h"
#include "plugin/entry_checks.h"
#include "plugin/loader.h"
#include "plugin/static_probe.h"

namespace trainkit {
namespace {

// The static probe reads the dynamic symbol table dlsym searches, so this is only reached for a file
// that changed since; dlsym tells the same story.
std::string missing_entry_reason(const ResidentLibrary& library) {
  for (unsigned major = 0; major <= 16; ++major) {
    if (major == TK_ABI_MAJOR) continue;
    if (library.symbol(str_cat("trainkit_plugin_entry_v", major).c_str()) != nullptr) {
      return other_major_reason(major);
    }
  }
  return str_cat("no ", TK_ENTRY_SYMBOL_NAME, " symbol");
}

}  // namespace

std::optional<std::string> open_entry(const std::string& path, const tk_plugin_entry** entry) {
  std::string error;
  auto library = ResidentLibrary::open(path, &error);
  if (!library) return str_cat("cannot load: ", error);
  const auto* found = static_cast<const tk_plugin_entry*>(library->symbol(TK_ENTRY_SYMBOL_NAME));
  if (found == nullptr) return missing_entry_reason(*library);
  if (auto reason = check_entry(*found)) return reason;
  *entry = found;
  return std::nullopt;
}

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

namespace {

// Classes 0..count-1 from get(i), each checked and its name unique within the plugin; *classes is filled
// only when every one passes. `kind` names them in the refusal ("extension class", "dataset class").
template <typename Class, typename Get, typename Check>
std::optional<std::string> read_checked(size_t count, Get get, Check check, const char* kind,
                                        std::vector<const Class*>* classes) {
  std::vector<const Class*> found;
  std::set<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    const Class* cls = get(i);
    if (auto reason = check(cls, i)) return reason;
    if (!names.insert(cls->name).second) return str_cat(kind, " \"", cls->name, "\" is declared twice");
    found.push_back(cls);
  }
  *classes = std::move(found);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> read_classes(const tk_plugin_entry& entry, std::vector<const tk_extension_class*>* classes) {
  return read_checked(entry.class_count(), entry.get_class, check_extension_class, "extension class", classes);
}

std::optional<std::string> read_dataset_classes(const tk_plugin_entry& entry,
                                                std::vector<const tk_dataset_class*>* classes) {
  // get_dataset_class is read only when the count says the entry has it (1.2; an older entry ends before it).
  auto get = [&entry](size_t i) { return entry.get_dataset_class(i); };
  return read_checked(dataset_class_count(entry), get, check_dataset_class, "dataset class", classes);
}

}  // namespace trainkit
