// A minimal trainkit host for testing standard plugins without LibTorch or the trainer; every plugin test
// folder links it (library tk_test_plugin_host).
//
//   tk_test::FakeHost host;                              // recording log/observation/optimizer/evaluation
//   tk_test::Plugin plugin("log_report", host);          // dlopen + entry checks + init, like trainkit
//   tk_test::Instance ext(plugin, host, "log_report", {{"keys", Strings{"main/loss"}}});
//   tk_test::TestContext ctx;                            // counters, out_dir, observation and summary
//   ctx.iteration = 10;
//   ctx.summary.set("main/loss", 0.5);
//   ext.call(ctx);
//
// Options get the class's declared defaults, parsed from their text, like the host does; an option the
// class did not declare is refused, so a typo in a test fails loudly. A host with more services derives
// from FakeHost and chains its own lookup in front (see fake_snapshot_service.h).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <trainkit/abi.h>

#include "process.h"  // tk_test::TempDir

namespace tk_test {

using Strings = std::vector<std::string>;
using OptionValue = std::variant<bool, int64_t, double, std::string, Strings, std::vector<int64_t>, std::vector<double>>;
using Options = std::map<std::string, OptionValue>;

// An ordered key -> double map that hands out a tk_scalar_view over itself.
class ScalarMap {
 public:
  ScalarMap() = default;
  ScalarMap(std::initializer_list<std::pair<std::string, double>> items) : items_(items) {}
  void set(const std::string& key, double value);
  std::optional<double> find(const std::string& key) const;
  void clear() { items_.clear(); }
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  const tk_scalar_view* view() const;  // valid while this map lives and is not changed

 private:
  std::vector<std::pair<std::string, double>> items_;
  mutable tk_scalar_view view_{};
};

// The host side: services that record what plugins ask for. Set the fields to steer the fakes.
class FakeHost {
 public:
  FakeHost();
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;
  const tk_host* raw() const { return &host_; }

  // Logs arrive from writer threads too, hence the lock and the copies.
  std::vector<std::pair<int32_t, std::string>> logs() const;
  std::vector<std::string> logs_at(int32_t level) const;
  void add_log(int32_t level, std::string message);

  struct Evaluation {
    std::string split, prefix;
  };
  ScalarMap reported;                   // everything reported through the observation service
  std::string optimizer_name = "sgd";
  std::vector<double> lr = {0.1};       // one entry per parameter group
  std::vector<Evaluation> evaluations;  // each evaluate() call
  double eval_loss = 0.25, eval_accuracy = 0.875;
  std::string eval_failure;             // non-empty: evaluate() fails with this message
  // "trainkit.distributed/1": this host plays rank `rank` of `world_size`. The collectives see no other rank:
  // barriers are counted, all-reduces leave values as they are, broadcasts keep the text.
  int rank = 0, world_size = 1;
  int barriers = 0;

 protected:
  // For derived hosts: makes `own` the tk_host's service lookup and returns FakeHost's, to which `own`
  // hands every id it does not serve. host_data stays this FakeHost, so `own` may downcast it.
  using GetService = const void* (*)(const tk_host*, const char*);
  GetService chain_services(GetService own);

 private:
  mutable std::mutex log_mutex_;
  std::vector<std::pair<int32_t, std::string>> logs_;
  tk_host host_{};
};

// One plugin .so from the build tree, loaded and initialized against a FakeHost.
class Plugin {
 public:
  Plugin(const std::string& name, const FakeHost& host);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  const tk_plugin_entry& entry() const { return *entry_; }
  const tk_extension_class& cls(const std::string& name) const;  // throws if absent

 private:
  void* handle_ = nullptr;
  const tk_plugin_entry* entry_ = nullptr;
};

// The per-call context: trainer counters plus the observation and summary views.
struct TestContext {
  int64_t iteration = 0;
  int64_t iterations_per_epoch = 10;
  int64_t max_iteration = -1;
  double elapsed_time = 0;
  std::string out_dir = "/nonexistent";
  int32_t rank = 0;
  int32_t world_size = 1;
  bool state_restored = false;
  ScalarMap observation;
  ScalarMap summary;

  // epoch and epoch_detail follow from iteration and iterations_per_epoch; scalars are NULL when
  // with_scalars is false (initialize/finalize).
  tk_context make(const std::string& instance_name, bool with_scalars) const;
};

// In-memory tk_state_visitor storage: "scope/key" -> value. Tensors are not supported (no plugin here
// saves one).
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

// One extension instance; every step throws std::runtime_error with the plugin's message on failure, and
// try_<step> returns the status and message instead, for tests of failures. out_dir is the config's
// (tk_config.out_dir, known from create on); each call's comes from its TestContext.
class Instance {
 public:
  Instance(const Plugin& plugin, const FakeHost& host, const std::string& class_name, const Options& options = {},
           std::string instance_name = "", std::string out_dir = "/nonexistent");
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void initialize(const TestContext& ctx);
  void call(const TestContext& ctx);
  void on_error(const TestContext& ctx, const std::string& what);
  void finalize(const TestContext& ctx);
  void save(MemoryState& state);
  void load(MemoryState& state, uint32_t saved_version);
  // The path, or "" for TK_NOT_FOUND (or a class without the hook).
  std::string find_resume_point(const TestContext& ctx, bool requested);

  std::pair<tk_status, std::string> try_initialize(const TestContext& ctx);
  std::pair<tk_status, std::string> try_call(const TestContext& ctx);
  std::pair<tk_status, std::string> try_finalize(const TestContext& ctx);
  std::pair<tk_status, std::string> try_load(MemoryState& state, uint32_t saved_version);

  // create alone: the status and message, for tests of rejected options.
  static std::pair<tk_status, std::string> try_create(const Plugin& plugin, const FakeHost& host,
                                                      const std::string& class_name, const Options& options);

  struct ConfigData;  // the tk_config over Options (instance_config.h)

 private:
  const tk_extension_class* cls_;
  std::string name_;
  ConfigData* config_;
  void* self_ = nullptr;
};

// Redirects stdout (fd 1 and the C stream) into a temp file for its lifetime; text() reads what was written.
class CapturedStdout {
 public:
  CapturedStdout();
  ~CapturedStdout();
  std::string text() const;

 private:
  int saved_fd_ = -1;
  int file_fd_ = -1;
};

// Makes stdout a pseudo terminal (raw mode, TERM=xterm) for its lifetime; text() drains what was written.
class TerminalStdout {
 public:
  TerminalStdout();
  ~TerminalStdout();
  std::string text();

 private:
  int saved_fd_ = -1;
  int master_fd_ = -1;
  std::optional<std::string> saved_term_;
};

// Every file name in dir, sorted; hidden ones (".tmp.*", ...) only when with_hidden.
Strings list_dir(const std::string& dir, bool with_hidden = false);

}  // namespace tk_test
