#include "cli/plugin_setup.h"

#include <unistd.h>

#include <climits>

#include "plugin/search_dirs.h"
#include "trainer/host_services.h"

namespace trainkit::cli {

std::string installed_plugin_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string exe(buf, static_cast<size_t>(n));
  std::string bin_dir = exe.substr(0, exe.find_last_of('/'));
  char resolved[PATH_MAX];
  std::string candidate = bin_dir + "/" + TRAINKIT_PLUGINS_FROM_BIN;
  return ::realpath(candidate.c_str(), resolved) ? std::string(resolved) : candidate;
}

std::vector<std::string> plugin_dirs_for(const std::vector<std::string>& manifest_dirs) {
  return plugin_search_dirs(manifest_dirs, installed_plugin_dir());
}

void load_plugins(PluginRegistry& registry, const std::vector<std::string>& dirs, bool report_refusals) {
  registry.enable_scan(ScanSettings::for_this_program());  // only files that pass a scan in a child load here
  for (const auto& dir : dirs) registry.load_dir(dir);
  if (!report_refusals) return;
  for (const auto& r : registry.refused())
    host_log(TK_LOG_WARNING, "", "plugin " + r.path + " refused: " + r.reason);
}

}  // namespace trainkit::cli
