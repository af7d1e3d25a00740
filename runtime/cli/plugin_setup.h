// trainkit cli: where plugins come from, and loading them all with refusals reported.
//
//   auto dirs = plugin_dirs_for(manifest.trainer.plugin_dirs);   // manifest, TRAINKIT_PLUGIN_PATH, installed
//   load_plugins(registry, dirs, /*report_refusals=*/true);
#pragma once

#include <string>
#include <vector>

#include "plugin/plugin_registry.h"

namespace trainkit::cli {

// The standard plugin folder next to this binary (<prefix>/lib/trainkit/plugins, same in the build tree).
std::string installed_plugin_dir();

std::vector<std::string> plugin_dirs_for(const std::vector<std::string>& manifest_dirs);

// Loads every plugin of every dir; refused files are printed as warnings when report_refusals.
void load_plugins(PluginRegistry& registry, const std::vector<std::string>& dirs, bool report_refusals);

}  // namespace trainkit::cli
