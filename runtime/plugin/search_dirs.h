// trainkit plugins: the folders plugins may come from, in the order they are searched.
//
//   auto dirs = plugin_search_dirs(manifest.plugin_dirs, "/usr/lib/x86_64-linux-gnu/trainkit/plugins");
//   for (const auto& dir : dirs) registry.load_dir(dir);
//
// Never the working directory, LD_LIBRARY_PATH or system folders: a .so is arbitrary code, so only folders
// someone named on purpose are searched (as ssh's StrictModes and Vulkan's loader do).
#pragma once

#include <string>
#include <vector>

namespace trainkit {

// The environment variable that adds plugin folders (colon-separated, absolute paths).
inline constexpr const char* kPluginPathEnv = "TRAINKIT_PLUGIN_PATH";

// Manifest dirs, then TRAINKIT_PLUGIN_PATH, then installed_dir; each resolved with realpath and kept once
// (first position wins).
// - A manifest dir that does not exist is kept (as an absolute path) so load_dir reports it as a refusal
//   line: the user named it, so silence would hide a typo.
// - TRAINKIT_PLUGIN_PATH is read with secure_getenv (ignored under setuid/setgid); its empty and relative
//   entries are ignored, because they would mean "the current directory", which is never searched.
// - Missing TRAINKIT_PLUGIN_PATH entries and a missing installed_dir (e.g. not installed) are skipped
//   silently; an empty installed_dir means "none".
// Manifest dirs should already be absolute (resolved against the manifest's folder by the caller); a
// relative one is taken relative to the working directory.
std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& manifest_dirs,
                                            const std::string& installed_dir);

}  // namespace trainkit
