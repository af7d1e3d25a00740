#include "plugin/static_probe.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include <boost/dll/library_info.hpp>

#include "core/error.h"
#include "trainkit/abi.h"

namespace trainkit {
namespace {

constexpr const char kEntryPrefix[] = "trainkit_plugin_entry_v";

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// library_info reports a short text file as "basic_ios::clear: iostream error"; the magic says it plainly.
bool has_elf_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

std::optional<unsigned> entry_symbol_major(const std::string& symbol) {
  const std::string prefix = kEntryPrefix;
  if (symbol.size() <= prefix.size() || symbol.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  unsigned major = 0;
  for (size_t i = prefix.size(); i < symbol.size(); ++i) {
    if (symbol[i] < '0' || symbol[i] > '9' || major > 100000) return std::nullopt;
    major = major * 10 + static_cast<unsigned>(symbol[i] - '0');
  }
  return major;
}

std::string other_major_reason(unsigned major) {
  return str_cat("built for SDK ABI ", major, "; this trainkit speaks ABI ", TK_ABI_MAJOR);
}

std::optional<std::string> probe_plugin_file(const std::string& path) {
  if (!has_elf_magic(path)) return std::string("not an ELF shared object (no ELF header)");
  std::vector<std::string> sections;
  std::vector<std::string> symbols;
  try {
    // Throws for 32-bit or foreign-format files: not loadable by this process anyway.
    boost::dll::library_info info(path);
    sections = info.sections();
    // The section survives stripping, so it marks a plugin even when the symbol table is gone.
    if (!contains(sections, TK_PLUGIN_SECTION_NAME)) {
      return str_cat("not a trainkit plugin (no ", TK_PLUGIN_SECTION_NAME, " section)");
    }
    // Stripped: no names to read here; the loader's dlsym decides.
    if (!contains(sections, ".symtab")) return std::nullopt;
    symbols = info.symbols();  // global, default-visibility, sized symbols only
  } catch (const std::exception& e) {
    return str_cat("not an ELF shared object (", e.what(), ")");
  }
  if (contains(symbols, TK_ENTRY_SYMBOL_NAME)) return std::nullopt;
  for (const auto& symbol : symbols) {
    auto major = entry_symbol_major(symbol);
    if (major && *major != TK_ABI_MAJOR) return other_major_reason(*major);
  }
  // Note [Boost 1.74 symbol names]: its ELF reader can resolve .symtab names against the wrong string
  // table (seen on sanitizer builds, where it lists a lone "str"), so a missing name here is not proof.
  // Only a positive finding (another major above) refuses; the loader's dlsym decides the rest.
  return std::nullopt;
}

}  // namespace trainkit
