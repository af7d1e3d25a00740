#include "plugin/entry_checks.h"

#include <cstdio>
#include <cstring>
#include <set>

#include "core/error.h"

namespace trainkit {
namespace {

bool empty(const char* text) { return text == nullptr || text[0] == '\0'; }

std::string hex32(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", value);
  return buf;
}

// "org.trainkit.snapshot": at least two non-empty dot-separated labels, no spaces or slashes (the id
// names state in snapshots and appears in file names of tools, so it must stay plain).
bool looks_reverse_dns(const char* id) {
  const size_t n = std::strlen(id);
  if (std::strchr(id, '.') == nullptr || id[0] == '.' || id[n - 1] == '.' || std::strstr(id, "..")) return false;
  for (size_t i = 0; i < n; ++i) {
    const char c = id[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The manifest routes these keys itself, so a class that declared one could never receive it.
bool is_reserved(const std::string& name) {
  return name == "use" || name == "name" || name == "trigger" || name == "priority";
}

std::optional<std::string> check_choices(const tk_option_decl& option) {
  if (!TK_HAS_MEMBER(tk_option_decl, &option, choice_count))
    return str_cat("is a choice, but its declaration (struct_size ", option.struct_size,
                   ") ends before SDK 1.1's choices");
  if (option.choices == nullptr || option.choice_count == 0) return std::string("is a choice without choices");
  std::set<std::string> seen;
  for (size_t k = 0; k < option.choice_count; ++k) {
    if (option.choices[k] == nullptr) return str_cat("has choice #", k, " NULL");
    if (!seen.insert(option.choices[k]).second) return str_cat("lists choice \"", option.choices[k], "\" twice");
  }
  return std::nullopt;
}

std::optional<std::string> check_option(const tk_option_decl& option, size_t i) {
  if (empty(option.name)) return str_cat("option #", i, " has no name");
  if (is_reserved(option.name))
    return str_cat("option \"", option.name, "\" is a key the manifest reserves (use, name, trigger, priority)");
  if (option.type < TK_OPTION_BOOL || option.type > TK_OPTION_CHOICE)
    return str_cat("option \"", option.name, "\" has unknown type ", option.type);
  if (option.type == TK_OPTION_CHOICE) {
    if (auto reason = check_choices(option)) return str_cat("option \"", option.name, "\" ", *reason);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_entry(const tk_plugin_entry& entry) {
  // Magic first: with a wrong magic no other field means anything.
  if (entry.magic != TK_ENTRY_MAGIC) {
    return str_cat("bad entry magic ", hex32(entry.magic), " (expected ", hex32(TK_ENTRY_MAGIC), ")");
  }
  if (entry.struct_size < kEntrySizeV1_0) {
    return str_cat("entry struct_size ", entry.struct_size, " is smaller than SDK 1.0's ", kEntrySizeV1_0);
  }
  if (entry.abi.major != TK_ABI_MAJOR) {
    return str_cat("built for SDK ABI ", entry.abi.major, "; this trainkit speaks ABI ", TK_ABI_MAJOR);
  }
  if (entry.abi.minor > TK_ABI_MINOR) {
    return str_cat("built against trainkit SDK ", entry.abi.major, ".", entry.abi.minor,
                   ", this trainkit provides SDK ", TK_ABI_MAJOR, ".", TK_ABI_MINOR, "; rebuild against SDK <= ",
                   TK_ABI_MAJOR, ".", TK_ABI_MINOR, " or upgrade trainkit");
  }
  // deinit may be NULL (nothing to release); the others are the only way to reach the plugin.
  if (entry.init == nullptr) return std::string("entry has no init function");
  if (entry.class_count == nullptr || entry.get_class == nullptr) {
    return std::string("entry has no class_count/get_class function");
  }
  if (TK_HAS_MEMBER(tk_plugin_entry, &entry, get_dataset_class) &&
      (entry.dataset_class_count == nullptr) != (entry.get_dataset_class == nullptr)) {
    return std::string("entry has only one of dataset_class_count/get_dataset_class");
  }
  const tk_plugin_descriptor* d = entry.descriptor;
  if (d == nullptr) return std::string("entry has no descriptor");
  if (d->struct_size < kDescriptorSizeV1_0) {
    return str_cat("descriptor struct_size ", d->struct_size, " is smaller than SDK 1.0's ", kDescriptorSizeV1_0);
  }
  if (empty(d->id)) return std::string("descriptor has no id");
  if (empty(d->version)) return str_cat("plugin ", d->id, " has no version");
  if (!looks_reverse_dns(d->id)) {
    return str_cat("plugin id \"", d->id, "\" is not reverse-DNS (like org.example.", d->id, ")");
  }
  return std::nullopt;
}

std::optional<std::string> check_libtorch(const tk_plugin_descriptor& descriptor, const std::string& host_libtorch) {
  if (host_libtorch.empty() || descriptor.libtorch_version == nullptr) return std::nullopt;
  if (host_libtorch == descriptor.libtorch_version) return std::nullopt;
  // LibTorch has no stable C++ ABI: a mismatch crashes at the first tensor, not at load time.
  return str_cat("built against LibTorch ", descriptor.libtorch_version, ", this trainkit uses LibTorch ",
                 host_libtorch, "; rebuild the plugin against LibTorch ", host_libtorch);
}

std::optional<std::string> check_extension_class(const tk_extension_class* cls, size_t index) {
  if (cls == nullptr) return str_cat("get_class(", index, ") returned NULL");
  if (cls->struct_size < kExtensionClassSizeV1_0) {
    return str_cat("extension class #", index, " has struct_size ", cls->struct_size, ", smaller than SDK 1.0's ",
                   kExtensionClassSizeV1_0);
  }
  if (empty(cls->name)) return str_cat("extension class #", index, " has no name");
  const char* missing = cls->create == nullptr    ? "create"
                        : cls->destroy == nullptr ? "destroy"
                        : cls->call == nullptr    ? "call"
                                                  : nullptr;
  if (missing != nullptr) return str_cat("extension class \"", cls->name, "\" has no ", missing, " function");
  if (cls->state_version != 0 && cls->visit_state == nullptr) {
    return str_cat("extension class \"", cls->name, "\" has state_version ", cls->state_version,
                   " but no visit_state function");
  }
  if (cls->oldest_state_version > cls->state_version) {
    return str_cat("extension class \"", cls->name, "\" has oldest_state_version ", cls->oldest_state_version,
                   " > state_version ", cls->state_version);
  }
  const tk::OptionDecls options(*cls);
  if (options.problem()) return str_cat("extension class \"", cls->name, "\": ", *options.problem());
  for (size_t i = 0; i < options.size(); ++i) {
    if (auto reason = check_option(options[i], i)) return str_cat("extension class \"", cls->name, "\": ", *reason);
  }
  return std::nullopt;
}

size_t dataset_class_count(const tk_plugin_entry& entry) {
  if (!TK_HAS_MEMBER(tk_plugin_entry, &entry, get_dataset_class) || entry.dataset_class_count == nullptr) return 0;
  return entry.dataset_class_count();
}

std::optional<std::string> check_dataset_class(const tk_dataset_class* cls, size_t index) {
  if (cls == nullptr) return str_cat("get_dataset_class(", index, ") returned NULL");
  if (cls->struct_size < kDatasetClassSizeV1_2) {
    return str_cat("dataset class #", index, " has struct_size ", cls->struct_size, ", smaller than SDK 1.2's ",
                   kDatasetClassSizeV1_2);
  }
  if (empty(cls->name)) return str_cat("dataset class #", index, " has no name");
  const char* missing = cls->create == nullptr         ? "create"
                        : cls->destroy == nullptr      ? "destroy"
                        : cls->describe == nullptr     ? "describe"
                        : cls->read_example == nullptr ? "read_example"
                                                       : nullptr;
  if (missing != nullptr) return str_cat("dataset class \"", cls->name, "\" has no ", missing, " function");
  if (cls->state_version != 0 && cls->visit_state == nullptr) {
    return str_cat("dataset class \"", cls->name, "\" has state_version ", cls->state_version,
                   " but no visit_state function");
  }
  if (cls->oldest_state_version > cls->state_version) {
    return str_cat("dataset class \"", cls->name, "\" has oldest_state_version ", cls->oldest_state_version,
                   " > state_version ", cls->state_version);
  }
  const tk::OptionDecls options(*cls);
  if (options.problem()) return str_cat("dataset class \"", cls->name, "\": ", *options.problem());
  for (size_t i = 0; i < options.size(); ++i) {
    if (auto reason = check_option(options[i], i)) return str_cat("dataset class \"", cls->name, "\": ", *reason);
  }
  return std::nullopt;
}

}  // namespace trainkit
