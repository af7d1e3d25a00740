#include "plugin/search_dirs.h"

#include <stdlib.h>

#include <filesystem>
#include <set>

namespace trainkit {
namespace {

namespace fs = std::filesystem;

// realpath when the folder exists; otherwise nothing.
bool resolve_dir(const std::string& dir, std::string* out) {
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(real, ec)) return false;
  *out = real.string();
  return true;
}

std::vector<std::string> split_path_list(const char* text) {
  std::vector<std::string> parts;
  if (text == nullptr) return parts;
  std::string all(text);
  size_t begin = 0;
  while (begin <= all.size()) {
    size_t end = all.find(':', begin);
    if (end == std::string::npos) end = all.size();
    parts.push_back(all.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

class DirList {
 public:
  void add(const std::string& dir) {
    if (seen_.insert(dir).second) dirs_.push_back(dir);
  }
  std::vector<std::string> take() { return std::move(dirs_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> dirs_;
};

}  // namespace

std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& manifest_dirs,
                                            const std::string& installed_dir) {
  DirList list;
  std::string real;
  for (const auto& dir : manifest_dirs) {
    std::error_code ec;
    if (resolve_dir(dir, &real)) {
      list.add(real);
    } else if (dir.empty()) {
      list.add(dir);  // load_dir refuses it; absolute("") would silently mean the working directory
    } else {
      // Kept so load_dir reports it; normalized so two spellings of one missing dir give one line.
      fs::path normal = fs::absolute(dir, ec).lexically_normal();
      if (!normal.has_filename() && normal.has_parent_path()) normal = normal.parent_path();  // "a/b/"
      list.add(ec ? dir : normal.string());
    }
  }
  for (const auto& dir : split_path_list(secure_getenv(kPluginPathEnv))) {
    if (dir.empty() || dir.front() != '/') continue;
    if (resolve_dir(dir, &real)) list.add(real);
  }
  if (!installed_dir.empty() && resolve_dir(installed_dir, &real)) list.add(real);
  return list.take();
}

}  // namespace trainkit
