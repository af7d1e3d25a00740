// A minimal trainkit host for testing the snapshot plugin without LibTorch or the trainer: a trimmed copy of
// tests/unit/plugins/test_host.h plus a fake "trainkit.snapshot/1" that writes real files.
//
//   SnapshotHost host;                                   // log + observation + the fake snapshot service
//   Plugin plugin("snapshot", host);
//   Instance ext(plugin, host, "snapshot", {{"writer", std::string("thread")}});
//   TestContext ctx;  ctx.out_dir = dir.path();
//   host.snapshots.live_iteration = ctx.iteration = 10;  // what capture and write_now record
//   ext.call(ctx);
//
// The fake's "state" is a few lines of text holding the live iteration at capture (or write_now) time. write
// waits write_delay_ms, then writes through tk::write_file_atomically (hidden temp file + rename), so writes
// can overlap training; verify reads the file back. Counters record what the plugin asked for, on which
// thread, and how many copies and writes existed at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <trainkit/abi.h>

namespace tk_snapshot_test {

using Strings = std::vector<std::string>;
using OptionValue = std::variant<bool, int64_t, double, std::string, Strings, std::vector<int64_t>, std::vector<double>>;
using Options = std::map<std::string, OptionValue>;

// An ordered key -> double map that hands out a tk_scalar_view over itself.
class ScalarMap {
 public:
  void set(const std::string& key, double value);
  std::optional<double> find(const std::string& key) const;
  void clear() { items_.clear(); }
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  const tk_scalar_view* view() const;

 private:
  std::vector<std::pair<std::string, double>> items_;
  mutable tk_scalar_view view_{};
};

// The fake "trainkit.snapshot/1". Configure before the plugin starts writing; read counters after finalize.
struct FakeSnapshots {
  std::atomic<int64_t> live_iteration{0};
  std::atomic<int> write_delay_ms{0};
  std::string guard_dir;                          // non-empty: a write that overlaps another one, even in
                                                  // another process, fails with "two writes at once"
  std::set<std::string> fail_write;               // file names whose write / write_now fails
  std::map<std::string, std::string> fail_verify;  // file name -> the reason verify gives

  std::atomic<int> captures{0}, writes{0}, write_nows{0}, releases{0}, verifies{0};
  std::atomic<int> outstanding{0}, max_outstanding{0};  // captured copies not yet released (this process)
  std::atomic<int> in_flight{0}, max_in_flight{0};      // writes running at once (this process)

  std::mutex mutex;                       // guards the records below
  std::set<std::thread::id> capture_threads, write_threads;
  std::vector<std::string> verified;      // file names, in the order verify was asked
  std::vector<std::string> captured_targets;  // "target/format" per capture or write_now

  static std::string content(int64_t iteration, const std::string& target, const std::string& format);
};

// Log, observation and snapshot services that record what the plugin asks for.
class SnapshotHost {
 public:
  SnapshotHost();
  SnapshotHost(const SnapshotHost&) = delete;
  SnapshotHost& operator=(const SnapshotHost&) = delete;
  const tk_host* raw() const { return &host_; }

  std::vector<std::pair<int32_t, std::string>> logs() const;
  std::vector<std::string> logs_at(int32_t level) const;
  void add_log(int32_t level, std::string message);

  ScalarMap reported;
  FakeSnapshots snapshots;
  bool offer_snapshot_service = true;

 private:
  mutable std::mutex log_mutex_;
  std::vector<std::pair<int32_t, std::string>> logs_;
  tk_host host_{};
};

// One plugin .so from the build tree, loaded and initialized against a SnapshotHost.
class Plugin {
 public:
  Plugin(const std::string& name, const SnapshotHost& host);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  const tk_plugin_entry& entry() const { return *entry_; }
  const tk_extension_class& cls(const std::string& name) const;

 private:
  void* handle_ = nullptr;
  const tk_plugin_entry* entry_ = nullptr;
};

struct TestContext {
  int64_t iteration = 0;
  int64_t iterations_per_epoch = 10;
  std::string out_dir = "/nonexistent";
  int32_t rank = 0;
  int32_t world_size = 1;
  ScalarMap observation;

  tk_context make(const std::string& instance_name, bool with_scalars) const;
};

// In-memory tk_state_visitor storage: "scope/key" -> value (no tensors).
class MemoryState {
 public:
  using Value = std::variant<int64_t, double, bool, std::string, std::vector<uint8_t>>;
  std::map<std::string, Value> values;
  tk_state_visitor visitor(int32_t mode, uint32_t version);

 private:
  friend struct MemoryStateAccess;
  std::vector<std::string> scopes_;
  std::string path(const char* key) const;
};

// One extension instance; every step throws std::runtime_error with the plugin's message on failure.
class Instance {
 public:
  Instance(const Plugin& plugin, const SnapshotHost& host, const std::string& class_name,
           const Options& options = {}, std::string instance_name = "");
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void initialize(const TestContext& ctx);
  void call(const TestContext& ctx);
  void on_error(const TestContext& ctx, const std::string& what);
  void finalize(const TestContext& ctx);
  void save(MemoryState& state);
  void load(MemoryState& state, uint32_t saved_version);
  // The path, or "" for TK_NOT_FOUND; throws on failure.
  std::string find_resume_point(const TestContext& ctx, bool requested);

  // The status and message of one step, for tests of failures.
  std::pair<tk_status, std::string> try_call(const TestContext& ctx);
  std::pair<tk_status, std::string> try_finalize(const TestContext& ctx);
  std::pair<tk_status, std::string> try_initialize(const TestContext& ctx);

  static std::pair<tk_status, std::string> try_create(const Plugin& plugin, const SnapshotHost& host,
                                                      const std::string& class_name, const Options& options);

 private:
  struct ConfigData;
  const tk_extension_class* cls_;
  std::string name_;
  ConfigData* config_;
  void* self_ = nullptr;
};

// Every file name in dir, sorted; hidden ones (".tmp.*", ...) only when with_hidden.
Strings list_dir(const std::string& dir, bool with_hidden = false);

}  // namespace tk_snapshot_test
