// trainkit manifest: `--set KEY=VALUE` overrides written into the parsed document before any check, so an
// overridden value goes through the same checks as the file's, placed at "--set".
//
//   apply_override(root, "trainer.stop=3 epoch");                   // VALUE: TOML, else a plain string
//   apply_override(root, "extension.snapshot_1.n_retains=2");      // extensions by instance name
#pragma once

#include <string>

#include "manifest/option_value.h"

namespace trainkit {

// Throws ConfigError "--set <KEY>: ..." for a malformed argument, an unknown extension instance, or a
// path through a value that is not a table.
void apply_override(OptionValue& root, const std::string& arg);

}  // namespace trainkit
