#include "plugin/loader.h"

#include <memory>
#include <mutex>
#include <vector>

#include <boost/dll/shared_library.hpp>

namespace trainkit {
namespace {

// Note [Plugins are never unloaded]: heap-allocated and never freed, so not even exit-time static
// destruction dlcloses a library whose threads may still run.
std::vector<std::unique_ptr<boost::dll::shared_library>>& resident_libraries() {
  static auto* libraries = new std::vector<std::unique_ptr<boost::dll::shared_library>>();
  return *libraries;
}

std::mutex& resident_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

// Boost 1.74 words a failed load as "boost::dll::shared_library::load() failed (dlerror system message:
// <text>): Bad file descriptor"; the user needs only <text>.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "(dlerror system message: ";
  const size_t begin = what.find(marker);
  if (begin == std::string::npos) return what;
  const size_t text = begin + marker.size();
  const size_t end = what.rfind(')');
  return end == std::string::npos || end < text ? what.substr(text) : what.substr(text, end - text);
}

}  // namespace

std::optional<ResidentLibrary> ResidentLibrary::open(const std::string& path, std::string* error) {
  namespace dll = boost::dll;
  auto library = std::make_unique<dll::shared_library>();
  try {
    library->load(path, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    *error = dlerror_text(e.what());
    return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(resident_mutex());
  resident_libraries().push_back(std::move(library));
  return ResidentLibrary(resident_libraries().back().get());
}

const void* ResidentLibrary::symbol(const char* name) const {
  if (!library_->has(name)) return nullptr;
  return &library_->get<const char>(name);
}

}  // namespace trainkit
