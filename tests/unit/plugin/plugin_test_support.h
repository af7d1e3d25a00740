// Shared by the plugin tests: a minimal real tk_host that records fixture events, and private temp
// folders holding copies of the fixture plugins.
//
//   TestHost host;
//   TempDir dir;
//   dir.add("good/good_a.so");
//   PluginRegistry registry(host.get());
//   registry.load_dir(dir.path());
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture_events.h"
#include "trainkit/abi.h"

namespace trainkit::test {

namespace fs = std::filesystem;

// A built fixture: "good/good_a.so", "bad/abi_major.so", "stripped/good_a.so".
inline std::string fixture(const std::string& relative) { return std::string(TK_FIXTURE_DIR) + "/" + relative; }

// Use as the host of a PluginRegistry; declare it before the registry (plugins keep it until deinit).
class TestHost {
 public:
  TestHost() {
    host_ = tk_host{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "trainkit-test", "0.0.0", this, &get_service};
    events_service_ = fixture_events_service{sizeof(fixture_events_service), &on_event};
  }
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const tk_host* get() const { return &host_; }
  // How often plugin_id reported what ("init", "deinit").
  long count(const std::string& plugin_id, const std::string& what) const {
    return std::count(events_.begin(), events_.end(), plugin_id + " " + what);
  }
  const std::vector<std::string>& events() const { return events_; }

 private:
  static const void* get_service(const tk_host* host, const char* id) {
    auto* self = static_cast<TestHost*>(const_cast<void*>(host->host_data));
    return std::strcmp(id, FIXTURE_EVENTS_SERVICE) == 0 ? &self->events_service_ : nullptr;
  }
  static void on_event(const tk_host* host, const char* plugin_id, const char* what) {
    auto* self = static_cast<TestHost*>(const_cast<void*>(host->host_data));
    self->events_.push_back(std::string(plugin_id) + " " + what);
  }

  tk_host host_;
  fixture_events_service events_service_;
  std::vector<std::string> events_;
};

// Use for a plugin folder the test controls: mode 0700, removed at the end. Libraries loaded from it stay
// mapped after removal, as the loader promises.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tk-plugin-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = fs::canonical(pattern).string();
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Copies a built fixture in as `name` (default: its own file name), mode 0755; returns the new path.
  std::string add(const std::string& fixture_relative, std::string name = "") {
    if (name.empty()) name = fs::path(fixture_relative).filename().string();
    const std::string to = file(name);
    fs::copy_file(fixture(fixture_relative), to, fs::copy_options::overwrite_existing);
    fs::permissions(to, fs::perms(0755), fs::perm_options::replace);
    return to;
  }

 private:
  std::string path_;
};

// Sets an environment variable for one scope, restoring the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_, old_.c_str(), 1) : ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

}  // namespace trainkit::test
