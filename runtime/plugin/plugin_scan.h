// trainkit plugins: the out-of-process scan a plugin file passes before trainkit loads it in-process.
//
//   PluginScan scan(ScanSettings::for_this_program());
//   scan.scan_ahead({"/opt/plugins/x.so", "/opt/plugins/y.so"});     // optional: several at a time
//   if (auto reason = scan.refusal("/opt/plugins/x.so")) refuse(*reason);
//   scan.save_cache();
//
// Per file: a cached verdict when the file is unchanged (no probe, no child); otherwise the static probe
// (no plugin code runs), then the scanner in a child process (scan_process.h), whose verdict is cached
// unless it says nothing about the file (a time-out). So a file that crashes the system loader, hangs in
// a constructor or crashes in init is refused with the reason, and every other file still loads.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin/scan_cache.h"
#include "plugin/scan_process.h"

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

  // Judges, several at a time (one scanner per core, 2 to 8), the files whose verdicts are not known yet,
  // so the refusal() calls that follow find them ready. Every file must already have passed the
  // owner/mode policy: a file refused by it is never opened, not even in the scanner.
  void scan_ahead(const std::vector<std::string>& real_paths);

  // nullopt when real_path (a regular file, already past the owner/mode policy) may be loaded
  // in-process; otherwise why not.
  std::optional<std::string> refusal(const std::string& real_path);
  // Writes new verdicts to the cache file; failures are ignored.
  void save_cache() { cache_.save(); }

  // How many scanner processes this object started (a start whose files are all cached starts none).
  size_t scans_started() const { return scans_started_; }

 private:
  struct Judged {
    FileStamp stamp;
    ScanVerdict verdict;
  };
  // This process's verdict for the file as stamped (time-outs included), else the cache's.
  std::optional<ScanVerdict> known(const FileStamp& stamp) const;
  // The static probe, then the scanner. Safe to call from several threads at once.
  ScanOutcome judge(const std::string& real_path);
  void remember(const FileStamp& before, const ScanOutcome& outcome);

  ScanSettings settings_;
  ScanCache cache_;
  std::map<std::string, Judged> judged_;  // by real path
  std::atomic<size_t> scans_started_{0};
};

}  // namespace trainkit
