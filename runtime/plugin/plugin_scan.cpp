#include "plugin/plugin_scan.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/error.h"
#include "core/libexec.h"
#include "plugin/static_probe.h"

namespace trainkit {
namespace {

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
  s.scanner = libexec_file("trainkit-plugin-scanner");
  s.cache_file = default_scan_cache_file();
  s.timeout_seconds = timeout_from_env(s.timeout_seconds);
  return s;
}

PluginScan::PluginScan(ScanSettings settings)
    : settings_(std::move(settings)), cache_(settings_.cache_file, scan_identity(settings_.scanner)) {}

std::optional<ScanVerdict> PluginScan::known(const FileStamp& stamp) const {
  auto it = judged_.find(stamp.path);
  if (it != judged_.end() && it->second.stamp == stamp) return it->second.verdict;
  return cache_.find(stamp);
}

ScanOutcome PluginScan::judge(const std::string& real_path) {
  if (std::optional<std::string> reason = probe_plugin_file(real_path)) return {ScanVerdict{false, *reason}, true};
  ++scans_started_;
  return run_scanner(settings_.scanner, real_path, settings_.timeout_seconds);
}

void PluginScan::remember(const FileStamp& before, const ScanOutcome& outcome) {
  judged_[before.path] = Judged{before, outcome.verdict};
  // A file that changed meanwhile was judged in two versions: the verdict stands for this process only.
  if (outcome.cacheable && stamp_of(before.path) == before) cache_.put(before, outcome.verdict);
}

void PluginScan::scan_ahead(const std::vector<std::string>& real_paths) {
  std::vector<FileStamp> todo;
  for (const std::string& path : real_paths) {
    std::optional<FileStamp> stamp = stamp_of(path);
    if (stamp && !known(*stamp)) todo.push_back(std::move(*stamp));
  }
  std::vector<ScanOutcome> outcomes(todo.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < todo.size(); i = next++) outcomes[i] = judge(todo[i].path);
  };
  // Most of a scan is waiting for the loader and the child's exit, so a thread per core keeps them busy.
  const size_t threads = std::min<size_t>(todo.size(), std::clamp(std::thread::hardware_concurrency(), 2u, 8u));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (size_t i = 0; i < todo.size(); ++i) remember(todo[i], outcomes[i]);
}

std::optional<std::string> PluginScan::refusal(const std::string& real_path) {
  const std::optional<FileStamp> before = stamp_of(real_path);
  if (!before) return std::string("cannot stat it");
  std::optional<ScanVerdict> verdict = known(*before);
  if (!verdict) {
    const ScanOutcome outcome = judge(real_path);
    remember(*before, outcome);
    verdict = outcome.verdict;
  }
  if (verdict->passed) return std::nullopt;
  return verdict->reason;
}

}  // namespace trainkit
