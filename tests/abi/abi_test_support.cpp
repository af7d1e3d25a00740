#include "abi_test_support.h"

#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace tk_test {

std::string plugin_folder(const TempDir& dir, const std::vector<std::string>& plugins) {
  namespace fs = std::filesystem;
  const std::string folder = dir.file("plugins");
  fs::create_directory(folder);
  ::chmod(folder.c_str(), 0755);
  for (const auto& plugin : plugins) {
    if (!fs::exists(plugin)) throw std::runtime_error("fixture plugin not built: " + plugin);
    const std::string copy = folder + "/" + fs::path(plugin).filename().string();
    fs::copy_file(plugin, copy, fs::copy_options::overwrite_existing);
    ::chmod(copy.c_str(), 0755);
  }
  return folder;
}

std::string plugin_dirs_line(const std::string& folder) { return "plugin_dirs = [\"" + folder + "\"]\n"; }

}  // namespace tk_test
