// trainkit plugins: decide from the file's bytes alone whether it is a trainkit plugin for this ABI.
//
//   if (auto reason = probe_plugin_file(path)) refuse(*reason);     // e.g. "built for SDK ABI 2; ..."
//   auto reason = probe_elf_bytes(data, size);                      // the same over bytes in memory (fuzzed)
//
// A bounds-checked reader of the ELF headers, section names and the dynamic symbol table: no plugin code
// runs, so a plugin for another ABI major, a truncated file or a file for another machine is refused
// before the system loader could map it (a mapping past the end of a truncated file faults on first use).
// Every offset and size in the file is checked against the file's length before it is read, so no input
// makes the probe crash, hang or allocate more than the file's own tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace trainkit {

// The refusal reason, or nullopt when the bytes may be handed to the loader: a 64-bit shared object for
// this machine and byte order whose headers and sections lie inside the data, with a "tkplugin" section
// and, in its dynamic symbol table (which survives strip), trainkit_plugin_entry_v1.
std::optional<std::string> probe_elf_bytes(const uint8_t* data, size_t size);

// probe_elf_bytes over a file, read with pread as far as its tables need (never mapped, never read whole).
// Only a regular file is opened, and without blocking: a FIFO or a device is refused by its type.
std::optional<std::string> probe_plugin_file(const std::string& path);

// The ABI major in an entry symbol name ("trainkit_plugin_entry_v2" -> 2), or nullopt for any other name.
std::optional<unsigned> entry_symbol_major(const std::string& symbol);

// "built for SDK ABI 2; this trainkit speaks ABI 1"
std::string other_major_reason(unsigned major);

}  // namespace trainkit
