// trainkit trainer: the tk_host plugins receive, and the service vtables behind its get_service.
//
//   HostServices services;                        // plugins can be loaded (log works; training services fail)
//   services.attach({&session, &observation, &snapshot_maker});   // now the training services work
//   InstanceHost host(services, "snapshot");      // the tk_host one extension instance is created with
//
// Rationale: plugins are loaded (and `trainkit plugins` lists them) before any training exists, so the
// host is usable without a run; every training service answers an error until one is attached.
//
// Note [One tk_host per instance]: each extension instance gets its own tk_host (same services, its own
// host_data), so a log line names its instance from any thread, e.g. a snapshot writer thread, without
// reading state the main thread changes (CLAP gives each plugin instance its own host pointer too).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include <trainkit/abi.h>

namespace trainkit {

class Session;
class Observation;
class SnapshotMaker;
namespace distributed {
class Communicator;
}

// What the training services reach while a run is attached (snapshots: once the run's state exists).
struct RunServices {
  Session* session = nullptr;
  Observation* observation = nullptr;  // this iteration's; plugins report into it
  SnapshotMaker* snapshots = nullptr;
  distributed::Communicator* communicator = nullptr;  // the other ranks; null when the run is one process
};

class HostServices;

// What a tk_host's host_data points at: the services and the instance the host was given to.
struct HostBinding {
  HostServices* services = nullptr;
  std::string instance;  // "" for the plugin-wide host (init); immutable once the host is handed out
};

// Use as the one tk_host of a process; lives as long as any plugin may call it.
class HostServices {
 public:
  HostServices();
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  // The plugin-wide host, given to every plugin's init.
  const tk_host* host() const { return &host_; }
  void attach(const RunServices& run) { run_ = run; }
  void detach() { run_ = RunServices{}; }
  // The attached run, or nullptr before and after training. [main thread]
  const RunServices* run() const { return run_.session != nullptr ? &run_ : nullptr; }

  // Minimum level printed by the log service (TK_LOG_*); set from --quiet/--verbose. [any thread]
  void set_log_level(int32_t level) { log_level_.store(level, std::memory_order_relaxed); }
  int32_t log_level() const { return log_level_.load(std::memory_order_relaxed); }

  // A tk_host like host() whose log lines name `binding`'s instance (Note [One tk_host per instance]).
  void fill_host(tk_host& host, const HostBinding& binding) const;

  // This process's place in a distributed run, for "trainkit.distributed/1"; set before any plugin loads and
  // fixed after (rank 0 of 1 by default). [set: main thread, before plugins; read: any thread]
  void set_ranks(int rank, int world_size, int local_rank);
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }

  // The trainkit-snapshot-writer that "trainkit.snapshot/1" starts for writer processes: the one in trainkit's
  // libexec folder unless set (tests that run the host in their own process point at the build's).
  // [set: main thread, before plugins; read: any thread]
  void set_snapshot_writer(std::string executable) { snapshot_writer_ = std::move(executable); }
  const std::string& snapshot_writer() const { return snapshot_writer_; }

 private:
  HostBinding binding_;
  tk_host host_{};
  RunServices run_;
  std::atomic<int32_t> log_level_{TK_LOG_INFO};
  int rank_ = 0, world_size_ = 1, local_rank_ = 0;
  std::string snapshot_writer_;
};

// Use to give one extension instance its own tk_host; must outlive every use of it by the plugin.
class InstanceHost {
 public:
  InstanceHost(HostServices& services, std::string instance);
  InstanceHost(const InstanceHost&) = delete;
  InstanceHost& operator=(const InstanceHost&) = delete;
  const tk_host* host() const { return &host_; }

 private:
  HostBinding binding_;
  tk_host host_{};
};

// The host's own log line format, shared with plugin log calls: "trainkit: [name] warning: message", or
// "trainkit[2]: ..." on rank 2 of a distributed run (core/error.h program_label). One write per line, so
// lines from several threads and ranks never interleave. [any thread]
void host_log(int32_t level, const std::string& source, const std::string& message);

}  // namespace trainkit
