#include "trainer/host_services.h"

#include "trainer/snapshot_io.h"

#include <cstdio>
#include <cstring>
#include <exception>

namespace trainkit {
namespace {

const HostServices& services_of(const tk_host* host) {
  return *static_cast<const HostServices*>(host->host_data);
}

ServiceBackend* backend_of(const tk_host* host) { return services_of(host).backend(); }

void log_message(const tk_host* host, int32_t level, const char* message) {
  const HostServices& s = services_of(host);
  if (level < s.log_level()) return;
  host_log(level, s.current_instance(), message ? message : "");
}

tk_status report(const tk_host* host, const char* key, double value) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr || key == nullptr) return TK_ERR_INVALID;
  b->report(key, value);
  return TK_OK;
}

tk_status fail_with(tk_error* err, tk_status code, const char* what) {
  if (err != nullptr && err->struct_size >= sizeof(tk_error)) {
    err->code = code;
    std::snprintf(err->message, sizeof err->message, "%s", what);
  }
  return code;
}

// Host exceptions stop here: evaluate and the snapshot calls are made from plugin code.
template <class Body>
tk_status guarded(tk_error* err, tk_status failure, Body&& body) {
  try {
    body();
    return TK_OK;
  } catch (const std::exception& e) {
    return fail_with(err, failure, e.what());
  } catch (...) {
    return fail_with(err, TK_ERR_INTERNAL, "unknown exception");
  }
}

tk_status evaluate(const tk_host* host, const char* split, const char* prefix, tk_error* err) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr) return fail_with(err, TK_ERR_INVALID, "no training is running");
  if (split == nullptr || prefix == nullptr) return fail_with(err, TK_ERR_INVALID, "split and prefix must not be NULL");
  return guarded(err, TK_ERR_INVALID, [&] { b->evaluate(split, prefix); });
}

const char* optimizer_name(const tk_host* host) {
  ServiceBackend* b = backend_of(host);
  static thread_local std::string name;
  name = b ? b->optimizer_name() : "";
  return name.c_str();
}

size_t param_group_count(const tk_host* host) {
  ServiceBackend* b = backend_of(host);
  return b ? b->param_group_count() : 0;
}

tk_status get_hyperparameter(const tk_host* host, size_t group, const char* name, double* out) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr || name == nullptr || out == nullptr) return TK_ERR_INVALID;
  auto v = b->hyperparameter(group, name);
  if (!v) return TK_NOT_FOUND;
  *out = *v;
  return TK_OK;
}

tk_status set_hyperparameter(const tk_host* host, size_t group, const char* name, double value) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr || name == nullptr) return TK_ERR_INVALID;
  return b->set_hyperparameter(group, name, value) ? TK_OK : TK_NOT_FOUND;
}

size_t parameter_count(const tk_host* host) {
  ServiceBackend* b = backend_of(host);
  return b ? b->parameter_count() : 0;
}

tk_status parameter(const tk_host* host, size_t index, const char** name, DLTensor* tensor) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr || name == nullptr || tensor == nullptr) return TK_ERR_INVALID;
  return b->parameter(index, name, tensor) ? TK_OK : TK_NOT_FOUND;
}

tk_status gradient(const tk_host* host, size_t index, DLTensor* tensor) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr || tensor == nullptr) return TK_ERR_INVALID;
  return b->gradient(index, tensor) ? TK_OK : TK_NOT_FOUND;
}

tk_status snapshot_capture(const tk_host* host, const char* target, const char* format, tk_snapshot** out,
                           tk_error* err) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr) return fail_with(err, TK_ERR_INVALID, "no training is running");
  if (target == nullptr || format == nullptr || out == nullptr)
    return fail_with(err, TK_ERR_INVALID, "target, format and out must not be NULL");
  return guarded(err, TK_ERR_INVALID, [&] { *out = b->capture_snapshot(target, format); });
}

tk_status snapshot_write(const tk_host*, const tk_snapshot* snapshot, const char* path, tk_error* err) {
  if (snapshot == nullptr || path == nullptr) return fail_with(err, TK_ERR_INVALID, "snapshot and path must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { write_captured(*snapshot, path); });
}

void snapshot_release(const tk_host*, tk_snapshot* snapshot) { delete snapshot; }

tk_status snapshot_write_now(const tk_host* host, const char* target, const char* format, const char* path,
                             tk_error* err) {
  ServiceBackend* b = backend_of(host);
  if (b == nullptr) return fail_with(err, TK_ERR_INVALID, "no training is running");
  if (target == nullptr || format == nullptr || path == nullptr)
    return fail_with(err, TK_ERR_INVALID, "target, format and path must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { b->write_snapshot_now(target, format, path); });
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

HostServices::HostServices() {
  host_.struct_size = sizeof(tk_host);
  host_.abi = {TK_ABI_MAJOR, TK_ABI_MINOR};
  host_.name = "trainkit";
  host_.version = TRAINKIT_VERSION;
  host_.host_data = this;
  host_.get_service = &get_service;
}

void host_log(int32_t level, const std::string& source, const std::string& message) {
  const char* label = level >= TK_LOG_ERROR ? "error: " : level == TK_LOG_WARNING ? "warning: " : "";
  if (source.empty())
    std::fprintf(stderr, "trainkit: %s%s\n", label, message.c_str());
  else
    std::fprintf(stderr, "trainkit: [%s] %s%s\n", source.c_str(), label, message.c_str());
  std::fflush(stderr);
}

}  // namespace trainkit
