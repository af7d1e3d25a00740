#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "core/spelling.h"
#include "trainer/host_services.h"
#include "trainkit/sdk/option_decls.hpp"

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
    case TK_OPTION_CHOICE: return "choice";
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
    for (const auto* d : p.datasets) classes += str_cat(classes.empty() ? "" : ", ", d->name, " (dataset)");
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

// text as lines of at most `width` columns (a longer word stays whole), each after `indent` spaces.
std::string wrapped(const std::string& text, size_t indent, size_t width) {
  std::istringstream words(text);
  std::string out, line, word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

std::string default_text(const tk_option_decl& o) {
  if (o.flags & TK_OPTION_REQUIRED) return "required";
  if (o.default_value == nullptr) return "no default";
  const bool text = o.type == TK_OPTION_STRING || o.type == TK_OPTION_TRIGGER || o.type == TK_OPTION_CHOICE;
  return text ? str_cat("default \"", o.default_value, '"') : str_cat("default ", o.default_value);
}

// One block per option: name, type and default on the first line; the choices and the doc below them,
// wrapped, so a long default never runs into the doc.
void print_options(const tk::OptionDecls& options, const char* where) {
  constexpr size_t kLineWidth = 100;
  std::cout << "  options (" << where << "):\n";
  if (options.empty()) std::cout << "    (none)\n";
  size_t name_width = 4;
  for (const tk_option_decl& o : options) name_width = std::max(name_width, std::string(o.name).size());
  const size_t indent = 4 + name_width + 2 + 8 + 2;
  const size_t width = kLineWidth > indent + 20 ? kLineWidth - indent : 20;
  for (const tk_option_decl& o : options) {
    std::cout << "    " << std::left << std::setw(static_cast<int>(name_width) + 2) << o.name << std::setw(10)
              << type_name(o.type) << default_text(o) << "\n";
    const std::vector<std::string> choices = tk::choices_of(o);
    if (!choices.empty()) {
      std::string list;
      for (const std::string& c : choices) list += str_cat(list.empty() ? "" : ", ", '"', c, '"');
      std::cout << wrapped("one of " + list, indent, width);
    }
    if (o.doc && *o.doc) std::cout << wrapped(o.doc, indent, width);
  }
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
  print_options(tk::OptionDecls(cls), "besides use, name, trigger, priority");
}

void print_dataset(const tk_dataset_class& cls, const LoadedPlugin& plugin) {
  std::cout << cls.name << " — " << (cls.description ? cls.description : "") << "\n"
            << "  dataset class:    [data] format = \"plugin\", plugin = \"" << cls.name << "\"\n"
            << "  plugin:           " << plugin.id << " " << plugin.version << " (" << plugin.path << ")\n"
            << "  state version:    "
            << (cls.state_version == 0 ? std::string("stateless")
                                       : str_cat(cls.state_version, " (loads ", cls.oldest_state_version, "..",
                                                 cls.state_version, ")"))
            << "\n";
  print_options(tk::OptionDecls(cls), "in [data.options]");
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
    const tk_dataset_class* dataset = cls ? nullptr : registry.find_dataset(*args.describe, &owner);
    if (cls == nullptr && dataset == nullptr) {
      std::vector<std::string> names = registry.class_names();
      for (const std::string& d : registry.dataset_names()) names.push_back(d);
      registry.shutdown();
      throw ConfigError(str_cat("no loaded plugin provides extension class \"", *args.describe, "\"",
                                did_you_mean(*args.describe, names), "; `trainkit plugins` lists them"));
    }
    if (cls) print_class(*cls, *owner);
    else print_dataset(*dataset, *owner);
  } else {
    print_table(registry, dirs);
  }
  registry.shutdown();
  return code;
}

}  // namespace trainkit::cli
