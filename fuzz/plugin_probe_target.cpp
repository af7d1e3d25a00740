// The plugin static probe on any bytes: it accepts or refuses with a reason, never crashes, and says the
// same whether it reads the bytes from memory (probe_elf_bytes) or from a file (probe_plugin_file).
#include <optional>
#include <string>

#include "mem_file.h"
#include "plugin/static_probe.h"
#include "targets.h"

namespace trainkit::fuzz {
namespace {

std::string verdict(const std::optional<std::string>& reason) { return reason ? "refused: " + *reason : "accepted"; }

}  // namespace

void plugin_probe(const uint8_t* data, size_t size) {
  static MemFile file;
  file.assign(data, size);
  const std::optional<std::string> from_bytes = probe_elf_bytes(data, size);
  const std::optional<std::string> from_file = probe_plugin_file(file.path());
  if (from_bytes != from_file)
    throw FuzzFinding("probe_elf_bytes " + verdict(from_bytes) + "; probe_plugin_file " + verdict(from_file));
  if (from_bytes && from_bytes->empty()) throw FuzzFinding("the probe refused with an empty reason");
}

}  // namespace trainkit::fuzz
