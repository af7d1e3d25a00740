// trainkit trainer: the tk_host plugins receive, and the service vtables behind its get_service.
//
//   HostServices services;                 // plugins can be loaded (log works; training services fail)
//   services.attach(&trainer_backend);     // now report/optimizer/evaluate/model reach the trainer
//
// Rationale: plugins are loaded (and `trainkit plugins` lists them) before any training exists, so the
// host is usable without a backend; every training service answers an error until one is attached.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <trainkit/abi.h>

struct tk_snapshot;

namespace trainkit {

// Use to implement what the services do; the trainer is the one implementation.
class ServiceBackend {
 public:
  virtual ~ServiceBackend() = default;
  virtual void report(const std::string& key, double value) = 0;
  virtual void evaluate(const std::string& split, const std::string& prefix) = 0;  // throws on failure
  virtual std::string optimizer_name() const = 0;
  virtual size_t param_group_count() const = 0;
  virtual std::optional<double> hyperparameter(size_t group, const std::string& name) const = 0;
  virtual bool set_hyperparameter(size_t group, const std::string& name, double value) = 0;
  virtual size_t parameter_count() const = 0;
  virtual bool parameter(size_t index, const char** name, DLTensor* out) = 0;
  virtual bool gradient(size_t index, DLTensor* out) = 0;
  // Copies the live state for a later write (throws on a bad target/format). Caller owns the result.
  virtual tk_snapshot* capture_snapshot(const std::string& target, const std::string& format) = 0;
  virtual void write_snapshot_now(const std::string& target, const std::string& format, const std::string& path) = 0;
};

// Use as the one tk_host of a process; lives as long as any plugin may call it.
class HostServices {
 public:
  HostServices();
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const tk_host* host() const { return &host_; }
  void attach(ServiceBackend* backend) { backend_ = backend; }
  ServiceBackend* backend() const { return backend_; }

  // The instance whose code runs now, so log lines can name it ("" outside extension calls).
  void set_current_instance(const std::string& name) { current_instance_ = name; }
  const std::string& current_instance() const { return current_instance_; }

  // Minimum level printed by the log service (TK_LOG_*); set from --quiet/--verbose.
  void set_log_level(int32_t level) { log_level_ = level; }
  int32_t log_level() const { return log_level_; }

 private:
  tk_host host_{};
  ServiceBackend* backend_ = nullptr;
  std::string current_instance_;
  int32_t log_level_ = TK_LOG_INFO;
};

// The host's own log line format, shared with plugin log calls: "trainkit: [name] warning: message".
void host_log(int32_t level, const std::string& source, const std::string& message);

}  // namespace trainkit
