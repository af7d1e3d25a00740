#include "plugin/plugin_scan.h"

#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <cmath>

#include "core/error.h"
#include "plugin/scan_process.h"
#include "plugin/static_probe.h"

namespace trainkit {
namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  const std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.find_last_of('/'));
}

double timeout_from_env(double fallback) {
  const char* text = ::secure_getenv(kScanTimeoutEnv);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  TK_CHECK(end != text && *end == '\0' && std::isfinite(seconds) && seconds > 0 && seconds <= 86400, ConfigError,
           kScanTimeoutEnv, "=", std::string(text).substr(0, 80), ": expected the seconds one plugin scan may take, e.g. 30");
  return seconds;
}

}  // namespace

ScanSettings ScanSettings::for_this_program() {
  ScanSettings s;
  s.scanner = executable_dir() + "/" + TRAINKIT_SCANNER_FROM_BIN;
  s.cache_file = default_scan_cache_file();
  s.timeout_seconds = timeout_from_env(s.timeout_seconds);
  return s;
}

PluginScan::PluginScan(ScanSettings settings)
    : settings_(std::move(settings)), cache_(settings_.cache_file, scan_identity(settings_.scanner)) {}

std::optional<std::string> PluginScan::refusal(const std::string& real_path) {
  const std::optional<FileStamp> before = stamp_of(real_path);
  if (!before) return std::string("cannot stat it");
  if (std::optional<ScanVerdict> cached = cache_.find(*before))
    return cached->passed ? std::nullopt : std::optional<std::string>(cached->reason);

  ScanOutcome outcome;
  if (std::optional<std::string> reason = probe_plugin_file(real_path)) {
    outcome = {ScanVerdict{false, *reason}, true};
  } else {
    ++scans_started_;
    outcome = run_scanner(settings_.scanner, real_path, settings_.timeout_seconds);
  }
  // A file that changed meanwhile was judged in two versions: the verdict stands for now, uncached.
  if (outcome.cacheable && stamp_of(real_path) == before) cache_.put(*before, outcome.verdict);
  if (outcome.verdict.passed) return std::nullopt;
  return outcome.verdict.reason;
}

}  // namespace trainkit
