// A minimal trainkit host for testing the checkpoint plugin without LibTorch or the trainer: an adapted copy
// of tests/unit/snapshot/snapshot_host.h (list options; a fake "trainkit.snapshot/1" with hooks around the
// commit of each file).
//
//   CheckpointHost host;
//   Plugin plugin("checkpoint", host);
//   Instance ext(plugin, host, "checkpoint", {{"n_saved", int64_t{2}}, {"objects", Strings{"model"}}});
//   TestContext ctx;  ctx.out_dir = dir.path();  ctx.iteration = 10;
//   ctx.observation.set("validation/main/accuracy", 0.9);
//   ext.call(ctx);
//
// The fake's "state" is a few lines of text (target, format, the live iteration). write_now writes it
// through tk::write_file_atomically (hidden temp file, fsync, rename). Around each write it records the
// folder's file names just before the rename (what existed when the new file was committed), can fail a
// chosen file name, can run a callback while "streaming" (as the host visits extension states then), and
// can _exit the process right after the rename (a crash between the commit and anything the plugin does
// next).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <trainkit/abi.h>

namespace tk_checkpoint_test {

using Strings = std::vector<std::string>;
using OptionValue = std::variant<bool, int64_t, double, std::string, Strings>;
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

// One write_now as the fake saw it.
struct WriteRecord {
  std::string name;        // the file name written
  std::string target, format;
  Strings dir_before;      // the folder's visible files right before the rename committed it
  bool ok = false;
};

// The fake "trainkit.snapshot/1". Configure before the plugin writes; read the records afterwards.
struct FakeSnapshots {
  int64_t live_iteration = 0;
  std::set<std::string> fail_write;      // file names whose write_now fails (nothing is renamed into place)
  std::string exit_after_write;          // file name: _exit(kCrashExitCode) right after its rename
  std::function<void()> while_writing;   // called inside write_now, before the rename (the host visits then)

  std::vector<WriteRecord> writes;

  static constexpr int kCrashExitCode = 42;
  static std::string content(int64_t iteration, const std::string& target, const std::string& format);
};

// Log and snapshot services that record what the plugin asks for.
class CheckpointHost {
 public:
  CheckpointHost();
  CheckpointHost(const CheckpointHost&) = delete;
  CheckpointHost& operator=(const CheckpointHost&) = delete;
  const tk_host* raw() const { return &host_; }

  std::vector<std::pair<int32_t, std::string>> logs() const;
  std::vector<std::string> logs_at(int32_t level) const;
  void add_log(int32_t level, std::string message);

  FakeSnapshots snapshots;
  bool offer_snapshot_service = true;

 private:
  mutable std::mutex log_mutex_;
  std::vector<std::pair<int32_t, std::string>> logs_;
  tk_host host_{};
};

// One plugin .so from the build tree, loaded and initialized against a CheckpointHost.
class Plugin {
 public:
  Plugin(const std::string& name, const CheckpointHost& host);
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
  Instance(const Plugin& plugin, const CheckpointHost& host, const std::string& class_name,
           const Options& options = {}, std::string instance_name = "");
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void initialize(const TestContext& ctx);
  void call(const TestContext& ctx);
  void finalize(const TestContext& ctx);
  void save(MemoryState& state);
  void load(MemoryState& state, uint32_t saved_version);

  std::pair<tk_status, std::string> try_call(const TestContext& ctx);
  std::pair<tk_status, std::string> try_load(MemoryState& state, uint32_t saved_version);

  static std::pair<tk_status, std::string> try_create(const Plugin& plugin, const CheckpointHost& host,
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

}  // namespace tk_checkpoint_test
