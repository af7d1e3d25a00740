// [trainer]: output folder, stop (an interval or an early-stopping table), seed, threads, plugin folders,
// the weights to start from, the device, and how an update is made (accumulation, clipping).
#include <cctype>

#include "catalogue/range.h"
#include "core/error.h"
#include "manifest/limits.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"
#include "manifest/trigger_option.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

void read_early_stop(const OptionValue& table, const std::string& path, TrainerConfig& t) {
  TableReader r(table, path);
  EarlyStopSpec& es = t.early_stop;
  es.enabled = true;
  if (r.read("monitor", es.monitor)) r.require(!es.monitor.empty(), "monitor", "must name an observation key");
  std::string mode = "auto";
  if (r.read("mode", mode)) r.require_choice("mode", mode, {"min", "max", "auto"});
  // Chainer's EarlyStoppingTrigger: "auto" maximizes accuracies and minimizes everything else.
  es.maximize = mode == "max" || (mode == "auto" && es.monitor.find("accuracy") != std::string::npos);
  if (r.read("patience", es.patience)) r.require(es.patience >= 1, "patience", "must be >= 1");
  t.stop = parse_trigger_text("100 epoch");
  if (const OptionValue* max = r.find("max")) t.stop = interval_from_option(*max, r.path_of("max"));
  if (const OptionValue* check = r.find("check")) es.check = interval_from_option(*check, r.path_of("check"));
  r.finish();
}

// limits.h: more threads than 4 per hardware thread only spin against each other.
void check_threads(const TableReader& r, int64_t threads) {
  r.require(threads >= 0, "threads", str_cat("must be >= 0 (0 = LibTorch default), got ", threads));
  const int64_t most = max_threads_here();
  if (threads <= most) return;
  r.require(false, "threads",
            most == kMaxThreads
                ? str_cat("must be at most ", kMaxThreads, ", got ", threads)
                : str_cat("must be at most ", most, " on this machine (", kThreadsPerHardwareThread,
                          " per hardware thread; it has ", most / kThreadsPerHardwareThread, "), got ", threads));
}

void read_stop(TableReader& r, TrainerConfig& t) {
  const OptionValue* stop = r.find("stop");
  if (!stop) return;
  if (stop->kind == OptionValue::Kind::kTable) return read_early_stop(*stop, r.path_of("stop"), t);
  if (stop->kind != OptionValue::Kind::kString)
    fail_at(*stop, r.path_of("stop"),
            str_cat("expected a string (\"10 epoch\") or an early-stopping table, got ", describe_kind(stop->kind)));
  t.stop = interval_from_option(*stop, r.path_of("stop"));
}

// "cpu", "cuda", "cuda:N" or "auto"; whether this LibTorch has that device is the session's check.
bool is_device_name(const std::string& d) {
  if (d == "cpu" || d == "cuda" || d == "auto") return true;
  const std::string prefix = "cuda:";
  if (d.size() <= prefix.size() || d.compare(0, prefix.size(), prefix) != 0 || d.size() > prefix.size() + 4) return false;
  for (size_t i = prefix.size(); i < d.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  return true;
}

// Note [One update, many batches]: accumulate and the clipping keys (docs/manifest.md).
void read_update(TableReader& r, TrainerConfig& t) {
  if (r.read("accumulate", t.accumulate)) r.require(t.accumulate >= 1, "accumulate", "must be >= 1 (batches per update)");
  double value = 0;
  const catalogue::Range clip = catalogue::Range::above_or_inf(0);
  if (r.read_or_inf("clip_grad_norm", value)) {
    r.require_in("clip_grad_norm", value, clip);
    t.clip_grad_norm = value;
  }
  if (r.read_or_inf("clip_norm_type", t.clip_norm_type)) {
    r.require_in("clip_norm_type", t.clip_norm_type, clip);
    r.require(t.clip_grad_norm.has_value(), "clip_norm_type", "is used only with clip_grad_norm");
  }
  if (r.read_or_inf("clip_grad_value", value)) {
    r.require_in("clip_grad_value", value, clip);
    r.require(!t.clip_grad_norm, "clip_grad_value", "clip_grad_norm and clip_grad_value are exclusive: give one of them");
    t.clip_grad_value = value;
  }
}

}  // namespace

void read_trainer(const OptionValue& table, const std::string& dir, TrainerConfig& t) {
  TableReader r(table, "trainer");
  t.pos = table.pos;
  t.stop = parse_trigger_text("10 epoch");
  t.early_stop.check = parse_trigger_text("1 epoch");
  if (r.read("out", t.out)) r.require(!t.out.empty(), "out", "must not be empty");
  read_stop(r, t);
  if (r.read("seed", t.seed)) r.require(t.seed >= 0, "seed", "must be >= 0");
  if (r.read("threads", t.threads)) check_threads(r, t.threads);
  if (r.read("plugin_dirs", t.plugin_dirs))
    for (size_t i = 0; i < t.plugin_dirs.size(); ++i)
      r.require_item(!t.plugin_dirs[i].empty(), "plugin_dirs", i, "must not be empty");
  r.read("init_from", t.init_from);
  r.read("init_strict", t.init_strict);
  r.read("init_prefix", t.init_prefix);
  if (r.read("device", t.device))
    r.require(is_device_name(t.device), "device", "must be \"cpu\", \"cuda\", \"cuda:N\" or \"auto\"");
  read_update(r, t);
  r.finish();
  t.out = absolute_from(dir, t.out);
  if (!t.init_from.empty()) t.init_from = absolute_from(dir, t.init_from);
  for (auto& d : t.plugin_dirs) d = absolute_from(dir, d);
}

}  // namespace trainkit
