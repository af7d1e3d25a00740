#include "trainer/host_services.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugin/call.h"
#include "torch/session.h"
#include "trainer/snapshot_io.h"
#include "trainer/snapshot_maker.h"
#include "trigger/observation.h"

namespace trainkit {
namespace {

const HostBinding& binding_of(const tk_host* host) { return *static_cast<const HostBinding*>(host->host_data); }

// The attached run, or nullptr when no training is running.
const RunServices* run_of(const tk_host* host) { return binding_of(host).services->run(); }

Session* session_of(const tk_host* host) {
  const RunServices* run = run_of(host);
  return run ? run->session : nullptr;
}

constexpr char kNoRun[] = "no training is running";

void log_message(const tk_host* host, int32_t level, const char* message) {
  const HostBinding& b = binding_of(host);
  if (level < b.services->log_level()) return;
  host_log(level, b.instance, message ? message : "");
}

tk_status report(const tk_host* host, const char* key, double value) {
  const RunServices* run = run_of(host);
  if (run == nullptr || key == nullptr) return TK_ERR_INVALID;
  run->observation->report(key, value);
  return TK_OK;
}

tk_status evaluate(const tk_host* host, const char* split, const char* prefix, tk_error* err) {
  const RunServices* run = run_of(host);
  if (run == nullptr) return fail_with(err, TK_ERR_INVALID, kNoRun);
  if (split == nullptr || prefix == nullptr) return fail_with(err, TK_ERR_INVALID, "split and prefix must not be NULL");
  return guarded(err, TK_ERR_INVALID, [&] { run->session->evaluate(split, prefix, *run->observation); });
}

const char* optimizer_name(const tk_host* host) {
  Session* s = session_of(host);
  static thread_local std::string name;
  name = s ? s->optimizer_name() : "";
  return name.c_str();
}

size_t param_group_count(const tk_host* host) {
  Session* s = session_of(host);
  return s ? s->param_group_count() : 0;
}

tk_status get_hyperparameter(const tk_host* host, size_t group, const char* name, double* out) {
  Session* s = session_of(host);
  if (s == nullptr || name == nullptr || out == nullptr) return TK_ERR_INVALID;
  auto v = s->hyperparameter(group, name);
  if (!v) return TK_NOT_FOUND;
  *out = *v;
  return TK_OK;
}

tk_status set_hyperparameter(const tk_host* host, size_t group, const char* name, double value) {
  Session* s = session_of(host);
  if (s == nullptr || name == nullptr) return TK_ERR_INVALID;
  return s->set_hyperparameter(group, name, value) ? TK_OK : TK_NOT_FOUND;
}

size_t parameter_count(const tk_host* host) {
  Session* s = session_of(host);
  return s ? s->parameter_count() : 0;
}

tk_status parameter(const tk_host* host, size_t index, const char** name, DLTensor* tensor) {
  Session* s = session_of(host);
  if (s == nullptr || name == nullptr || tensor == nullptr) return TK_ERR_INVALID;
  return s->parameter(index, name, tensor) ? TK_OK : TK_NOT_FOUND;
}

tk_status gradient(const tk_host* host, size_t index, DLTensor* tensor) {
  Session* s = session_of(host);
  if (s == nullptr || tensor == nullptr) return TK_ERR_INVALID;
  return s->gradient(index, tensor) ? TK_OK : TK_NOT_FOUND;
}

tk_status snapshot_capture(const tk_host* host, const char* target, const char* format, tk_snapshot** out,
                           tk_error* err) {
  const RunServices* run = run_of(host);
  if (run == nullptr || run->snapshots == nullptr) return fail_with(err, TK_ERR_INVALID, kNoRun);
  if (target == nullptr || format == nullptr || out == nullptr)
    return fail_with(err, TK_ERR_INVALID, "target, format and out must not be NULL");
  return guarded(err, TK_ERR_INVALID, [&] { *out = run->snapshots->capture(target, format); });
}

tk_status snapshot_write(const tk_host*, const tk_snapshot* snapshot, const char* path, tk_error* err) {
  if (snapshot == nullptr || path == nullptr) return fail_with(err, TK_ERR_INVALID, "snapshot and path must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { write_captured(*snapshot, path); });
}

void snapshot_release(const tk_host*, tk_snapshot* snapshot) { delete snapshot; }

tk_status snapshot_write_now(const tk_host* host, const char* target, const char* format, const char* path,
                             tk_error* err) {
  const RunServices* run = run_of(host);
  if (run == nullptr || run->snapshots == nullptr) return fail_with(err, TK_ERR_INVALID, kNoRun);
  if (target == nullptr || format == nullptr || path == nullptr)
    return fail_with(err, TK_ERR_INVALID, "target, format and path must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { run->snapshots->write_now(target, format, path); });
}

tk_status snapshot_verify(const tk_host*, const char* path, int64_t* iteration, tk_error* err) {
  if (path == nullptr || iteration == nullptr) return fail_with(err, TK_ERR_INVALID, "path and iteration must not be NULL");
  SnapshotCheck check = verify_snapshot_file(path);
  if (!check.ok) return fail_with(err, TK_ERR_IO, check.problem.c_str());
  *iteration = check.iteration;
  return TK_OK;
}

const tk_log_service kLogService = {sizeof(tk_log_service), &log_message};
const tk_observation_service kObservationService = {sizeof(tk_observation_service), &report};
const tk_optimizer_service kOptimizerService = {sizeof(tk_optimizer_service), &optimizer_name,
                                                &param_group_count, &get_hyperparameter,
                                                &set_hyperparameter};
const tk_evaluation_service kEvaluationService = {sizeof(tk_evaluation_service), &evaluate};
const tk_model_service kModelService = {sizeof(tk_model_service), &parameter_count, &parameter, &gradient};
const tk_snapshot_service kSnapshotService = {sizeof(tk_snapshot_service), &snapshot_capture, &snapshot_write,
                                              &snapshot_release, &snapshot_write_now, &snapshot_verify};

const void* get_service(const tk_host*, const char* id) {
  if (id == nullptr) return nullptr;
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLogService;
  if (std::strcmp(id, TK_SERVICE_OBSERVATION) == 0) return &kObservationService;
  if (std::strcmp(id, TK_SERVICE_OPTIMIZER) == 0) return &kOptimizerService;
  if (std::strcmp(id, TK_SERVICE_EVALUATION) == 0) return &kEvaluationService;
  if (std::strcmp(id, TK_SERVICE_MODEL) == 0) return &kModelService;
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0) return &kSnapshotService;
  return nullptr;
}

}  // namespace

HostServices::HostServices() : binding_{this, ""} { fill_host(host_, binding_); }

void HostServices::fill_host(tk_host& host, const HostBinding& binding) const {
  host = tk_host{};
  host.struct_size = sizeof(tk_host);
  host.abi = {TK_ABI_MAJOR, TK_ABI_MINOR};
  host.name = "trainkit";
  host.version = TRAINKIT_VERSION;
  host.host_data = &binding;
  host.get_service = &get_service;
}

InstanceHost::InstanceHost(HostServices& services, std::string instance)
    : binding_{&services, std::move(instance)} {
  services.fill_host(host_, binding_);
}

void host_log(int32_t level, const std::string& source, const std::string& message) {
  const char* label = level >= TK_LOG_ERROR ? "error: " : level == TK_LOG_WARNING ? "warning: " : "";
  std::string line = source.empty() ? str_cat("trainkit: ", label, message, "\n")
                                    : str_cat("trainkit: [", source, "] ", label, message, "\n");
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing else to tell
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace trainkit
