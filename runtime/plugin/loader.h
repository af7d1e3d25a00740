// trainkit plugins: map a plugin file into the process for good.
//
//   std::string error;
//   auto lib = ResidentLibrary::open("/p/snapshot.so", &error);   // error: the dlerror text
//   auto* entry = static_cast<const tk_plugin_entry*>(lib->symbol("trainkit_plugin_entry_v1"));
//
// Note [Plugins are never unloaded]: a plugin may leave threads, atexit handlers or registered LibTorch
// ops behind, and its static data (descriptor, classes, option arrays) is referenced for the whole run.
// So every opened library, loaded or refused after opening, stays mapped until the process exits.
#pragma once

#include <optional>
#include <string>

namespace trainkit {

// Use as a cheap handle to a library that stays open until exit; copying it never closes anything.
class ResidentLibrary {
 public:
  // dlopen(path, RTLD_NOW | RTLD_LOCAL): every undefined symbol is resolved now, so a missing one fails
  // here with dlerror's text instead of in the middle of training; RTLD_LOCAL keeps two plugins' private
  // symbols apart. On failure returns nullopt and sets *error to the dlerror text.
  static std::optional<ResidentLibrary> open(const std::string& path, std::string* error);

  // The address of an exported symbol, or nullptr when the library does not export it.
  const void* symbol(const char* name) const;

 private:
  explicit ResidentLibrary(void* handle) : handle_(handle) {}
  void* handle_;  // never dlclose'd
};

}  // namespace trainkit
