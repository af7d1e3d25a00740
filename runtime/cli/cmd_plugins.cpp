#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "core/spelling.h"
#include "trainer/host_services.h"

namespace trainkit::cli {
namespace {

const char* type_name(int32_t type) {
  switch (type) {
    case TK_OPTION_BOOL: return "bool";
    case TK_OPTION_INT: return "int";
    case TK_OPTION_FLOAT: return "float";
    case TK_OPTION_STRING: return "string";
    case TK_OPTION_STRING_LIST: return "[string]";
    case TK_OPTION_FLOAT_LIST: return "[float]";
    case TK_OPTION_INT_LIST: return "[int]";
    case TK_OPTION_TRIGGER: return "trigger";
    default: return "?";
  }
}

std::string file_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

void print_table(const PluginRegistry& registry, const std::vector<std::string>& dirs) {
  std::cout << "plugin folders: ";
  for (size_t i = 0; i < dirs.size(); ++i) std::cout << (i ? ", " : "") << dirs[i];
  std::cout << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"FILE", "ID", "VERSION", "ABI", "EXTENSION CLASSES"}};
  for (const auto& p : registry.loaded()) {
    std::string classes;
    for (const auto* c : p.classes) classes += (classes.empty() ? "" : ", ") + std::string(c->name);
    rows.push_back({file_name(p.path), p.id, p.version, str_cat(p.abi.major, ".", p.abi.minor), classes});
  }
  std::vector<size_t> width(4, 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], r[c].size());
  for (const auto& r : rows) {
    for (size_t c = 0; c < 4; ++c) std::cout << std::left << std::setw(static_cast<int>(width[c]) + 2) << r[c];
    std::cout << r[4] << "\n";
  }
  for (const auto& r : registry.refused())
    std::cout << std::left << std::setw(static_cast<int>(width[0]) + 2) << file_name(r.path)
              << "refused: " << r.reason << "\n";
  if (registry.loaded().empty() && registry.refused().empty()) std::cout << "(no plugins found)\n";
}

void print_class(const tk_extension_class& cls, const LoadedPlugin& plugin) {
  std::cout << cls.name << " — " << (cls.description ? cls.description : "") << "\n"
            << "  plugin:           " << plugin.id << " " << plugin.version << " (" << plugin.path << ")\n"
            << "  default trigger:  " << (cls.default_trigger ? cls.default_trigger : "1 iteration") << "\n"
            << "  default priority: " << cls.default_priority << "\n"
            << "  state version:    "
            << (cls.state_version == 0 ? std::string("stateless")
                                       : str_cat(cls.state_version, " (loads ", cls.oldest_state_version, "..",
                                                 cls.state_version, ")"))
            << "\n";
  if ((cls.flags & TK_EXTENSION_WANTS_SUMMARY) != 0)
    std::cout << "  receives:         means of every observation since its last call\n";
  std::cout << "  options (besides use, name, trigger, priority):\n";
  if (cls.option_count == 0) std::cout << "    (none)\n";
  size_t w = 4;
  for (size_t i = 0; i < cls.option_count; ++i) w = std::max(w, std::string(cls.options[i].name).size());
  for (size_t i = 0; i < cls.option_count; ++i) {
    const tk_option_decl& o = cls.options[i];
    std::string def = (o.flags & TK_OPTION_REQUIRED) ? "required"
                      : o.default_value == nullptr ? "(none)"
                      : (o.type == TK_OPTION_STRING || o.type == TK_OPTION_TRIGGER)
                          ? str_cat('"', o.default_value, '"')
                          : std::string(o.default_value);
    std::cout << "    " << std::left << std::setw(static_cast<int>(w) + 2) << o.name << std::setw(10)
              << type_name(o.type) << std::setw(16) << def << (o.doc ? o.doc : "") << "\n";
  }
}

}  // namespace

int plugins_command(const Args& args) {
  HostServices services;
  PluginRegistry registry(services.host());
  std::vector<std::string> dirs = plugin_dirs_for(args.dirs);
  load_plugins(registry, dirs, false);
  int code = 0;
  if (args.describe) {
    const LoadedPlugin* owner = nullptr;
    const tk_extension_class* cls = registry.find_class(*args.describe, &owner);
    if (cls == nullptr) {
      registry.shutdown();
      throw ConfigError(str_cat("no loaded plugin provides extension class \"", *args.describe, "\"",
                                did_you_mean(*args.describe, registry.class_names()),
                                "; `trainkit plugins` lists them"));
    }
    print_class(*cls, *owner);
  } else {
    print_table(registry, dirs);
  }
  registry.shutdown();
  return code;
}

}  // namespace trainkit::cli
