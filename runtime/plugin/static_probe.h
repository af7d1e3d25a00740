// trainkit plugins: decide from the file alone whether it is a trainkit plugin for this ABI.
//
//   if (auto reason = probe_plugin_file(path)) refuse(*reason);   // e.g. "built for SDK ABI 2; ..."
//
// Reads the ELF header, section names and .symtab with boost::dll::library_info; no plugin code runs, so a
// plugin for another ABI major is refused before its static constructors could crash the host.
#pragma once

#include <optional>
#include <string>

namespace trainkit {

// Returns the refusal reason, or nullopt when the file may be loaded. A stripped file (no .symtab) passes
// the symbol check here; the loader checks the entry symbol again with dlsym (Boost 1.74 reads .symtab only).
std::optional<std::string> probe_plugin_file(const std::string& path);

// The ABI major in an entry symbol name ("trainkit_plugin_entry_v2" -> 2), or nullopt for any other name.
std::optional<unsigned> entry_symbol_major(const std::string& symbol);

// "built for SDK ABI 2; this trainkit speaks ABI 1"
std::string other_major_reason(unsigned major);

}  // namespace trainkit
