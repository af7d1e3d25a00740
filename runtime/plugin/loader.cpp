#include "plugin/loader.h"

#include <dlfcn.h>

namespace trainkit {

std::optional<ResidentLibrary> ResidentLibrary::open(const std::string& path, std::string* error) {
  // Note [Plugins are never unloaded]: the handle is never passed to dlclose.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* text = ::dlerror();
    *error = text != nullptr ? text : "dlopen failed without a message";
    return std::nullopt;
  }
  return ResidentLibrary(handle);
}

const void* ResidentLibrary::symbol(const char* name) const {
  ::dlerror();  // a NULL symbol value is legal; only dlerror tells "not found" apart, and either means absent here
  return ::dlsym(handle_, name);
}

}  // namespace trainkit
