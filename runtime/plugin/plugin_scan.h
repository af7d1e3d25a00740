// trainkit plugins: the out-of-process scan a plugin file passes before trainkit loads it in-process.
//
//   PluginScan scan(ScanSettings::for_this_program());
//   if (auto reason = scan.refusal("/opt/plugins/x.so")) refuse(*reason);
//   scan.save_cache();
//
// Per file: a cached verdict when the file is unchanged (no probe, no child); otherwise the static probe
// (no plugin code runs), then the scanner in a child process (scan_process.h), whose verdict is cached
// unless it says nothing about the file (a time-out). So a file that crashes the system loader, hangs in
// a constructor or crashes in init is refused with the reason, and every other file still loads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "plugin/scan_cache.h"

namespace trainkit {

// The environment variable that sets the scan's time limit per file, in seconds (default 30).
inline constexpr const char* kScanTimeoutEnv = "TRAINKIT_PLUGIN_SCAN_TIMEOUT";

// Use to say where the scanner is, where verdicts are cached, and how long one scan may take.
struct ScanSettings {
  std::string scanner;     // the trainkit-plugin-scanner executable
  std::string cache_file;  // "" caches nothing
  // Loading a plugin that links LibTorch takes seconds on a busy machine; a hang should still end soon.
  double timeout_seconds = 30;

  // The scanner installed next to this executable (<libexec>/trainkit/, the same in the build tree), the
  // user's cache (default_scan_cache_file) and TRAINKIT_PLUGIN_SCAN_TIMEOUT (ConfigError when it is not
  // a number of seconds in (0, 86400]).
  static ScanSettings for_this_program();
};

// Use once per process, from one thread.
class PluginScan {
 public:
  explicit PluginScan(ScanSettings settings);

  // nullopt when real_path (a regular file, already past the owner/mode policy) may be loaded
  // in-process; otherwise why not.
  std::optional<std::string> refusal(const std::string& real_path);
  // Writes new verdicts to the cache file; failures are ignored.
  void save_cache() { cache_.save(); }

  // How many scanner processes this object started (a start whose files are all cached starts none).
  size_t scans_started() const { return scans_started_; }

 private:
  ScanSettings settings_;
  ScanCache cache_;
  size_t scans_started_ = 0;
};

}  // namespace trainkit
