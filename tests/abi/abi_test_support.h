// Support for the ABI tests: private plugin folders holding copies of built fixture plugins.
//
//   TempDir dir;
//   std::string plugins = plugin_folder(dir, {TK_ABI_V1_0_PLUGIN});
//   auto r = run_trainkit({"plugins", "--dir", plugins});
#pragma once

#include <string>
#include <vector>

#include "process.h"

namespace tk_test {

// Creates <dir>/plugins (mode 0755) with a copy of each built plugin, so the loader's mode and owner checks
// never depend on the build tree; returns its path.
std::string plugin_folder(const TempDir& dir, const std::vector<std::string>& plugins);

// `plugin_dirs = ["<folder>"]`, for small_manifest's extra [trainer] keys.
std::string plugin_dirs_line(const std::string& folder);

}  // namespace tk_test
