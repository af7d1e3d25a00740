#include "trainer/host_services.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/libexec.h"
#include "distributed/communicator.h"
#include "plugin/call.h"
#include "snapshot_writer/writer_process.h"
#include "torch/session.h"
#include "trainer/snapshot_io.h"
#include "trainer/snapshot_maker.h"
#include "trigger/observation.h"

namespace trainkit {
namespace {

const HostBinding& binding_of(const tk_host* host) { return *static_cast<const HostBinding*>(host->host_data); }
const HostServices& services_of(const tk_host* host) { return *binding_of(host).services; }

// The attached run, or nullptr when no training is running.
const RunServices* run_of(const tk_host* host) { return services_of(host).run(); }

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

}  // namespace
}  // namespace trainkit

// The ABI's opaque tk_snapshot_writer: one trainkit-snapshot-writer process.
struct tk_snapshot_writer {
  explicit tk_snapshot_writer(const std::string& executable) : process(executable) {}
  trainkit::snapshot_writer::WriterProcess process;
};

namespace trainkit {
namespace {

tk_status snapshot_start_writer(const tk_host* host, tk_snapshot_writer** out, tk_error* err) {
  if (out == nullptr) return fail_with(err, TK_ERR_INVALID, "out must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { *out = new tk_snapshot_writer(services_of(host).snapshot_writer()); });
}

tk_status snapshot_writer_send(const tk_host*, tk_snapshot_writer* writer, const tk_snapshot* snapshot,
                               const char* path, tk_error* err) {
  if (writer == nullptr || snapshot == nullptr || path == nullptr)
    return fail_with(err, TK_ERR_INVALID, "writer, snapshot and path must not be NULL");
  return guarded(err, TK_ERR_IO, [&] { writer->process.send(snapshot->tree, snapshot->format, path); });
}

tk_status snapshot_writer_result(const tk_host*, tk_snapshot_writer* writer, tk_error* err) {
  if (writer == nullptr) return fail_with(err, TK_ERR_INVALID, "writer must not be NULL");
  std::string why;
  tk_status s = guarded(err, TK_ERR_IO, [&] { why = writer->process.result(); });
  if (s != TK_OK || why.empty()) return s;
  return fail_with(err, TK_ERR_IO, why.c_str());
}

void snapshot_stop_writer(const tk_host*, tk_snapshot_writer* writer) { delete writer; }

// "trainkit.distributed/1": ranks from HostServices, collectives through the attached run's communicator;
// a run of one process has none, and its collectives have nothing to wait for.
int32_t dist_rank(const tk_host* host) { return services_of(host).rank(); }
int32_t dist_world_size(const tk_host* host) { return services_of(host).world_size(); }
int32_t dist_local_rank(const tk_host* host) { return services_of(host).local_rank(); }

distributed::Communicator* communicator_of(const tk_host* host) {
  const RunServices* run = run_of(host);
  return run ? run->communicator : nullptr;
}

tk_status dist_barrier(const tk_host* host, tk_error* err) {
  distributed::Communicator* comm = communicator_of(host);
  if (comm == nullptr) return TK_OK;
  return guarded(err, TK_ERR_IO, [&] { comm->barrier(); });
}

tk_status dist_all_reduce(const tk_host* host, double* values, size_t count, int32_t op, tk_error* err) {
  if (values == nullptr && count > 0) return fail_with(err, TK_ERR_INVALID, "values must not be NULL");
  if (op != TK_REDUCE_SUM && op != TK_REDUCE_MIN && op != TK_REDUCE_MAX)
    return fail_with(err, TK_ERR_INVALID, "op must be TK_REDUCE_SUM, TK_REDUCE_MIN or TK_REDUCE_MAX");
  distributed::Communicator* comm = communicator_of(host);
  if (comm == nullptr) return TK_OK;
  using Op = distributed::Communicator::Op;
  return guarded(err, TK_ERR_IO, [&] {
    std::vector<double> v(values, values + count);
    comm->all_reduce(v, op == TK_REDUCE_SUM ? Op::kSum : op == TK_REDUCE_MIN ? Op::kMin : Op::kMax);
    std::copy(v.begin(), v.end(), values);
  });
}

tk_status dist_broadcast(const tk_host* host, char* text, size_t capacity, int32_t root, tk_error* err) {
  if (text == nullptr || capacity == 0) return fail_with(err, TK_ERR_INVALID, "text must be a buffer of capacity > 0");
  distributed::Communicator* comm = communicator_of(host);
  if (root < 0 || root >= (comm ? comm->world_size() : 1))
    return fail_with(err, TK_ERR_INVALID, str_cat("root ", root, " is not a rank of this run").c_str());
  if (comm == nullptr) return TK_OK;
  std::string value = comm->rank() == root ? std::string(text, ::strnlen(text, capacity)) : std::string();
  tk_status status = guarded(err, TK_ERR_IO, [&] { comm->broadcast(value, root); });
  if (status != TK_OK) return status;
  if (value.size() >= capacity)
    return fail_with(err, TK_ERR_INVALID,
                     str_cat("rank ", root, "'s text has ", value.size(), " bytes; the buffer holds ", capacity - 1).c_str());
  std::memcpy(text, value.c_str(), value.size() + 1);
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
                                              &snapshot_release, &snapshot_write_now, &snapshot_verify,
                                              &snapshot_start_writer, &snapshot_writer_send,
                                              &snapshot_writer_result, &snapshot_stop_writer};
const tk_distributed_service kDistributedService = {sizeof(tk_distributed_service), &dist_rank, &dist_world_size,
                                                    &dist_local_rank, &dist_barrier, &dist_all_reduce,
                                                    &dist_broadcast};

const void* get_service(const tk_host*, const char* id) {
  if (id == nullptr) return nullptr;
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLogService;
  if (std::strcmp(id, TK_SERVICE_OBSERVATION) == 0) return &kObservationService;
  if (std::strcmp(id, TK_SERVICE_OPTIMIZER) == 0) return &kOptimizerService;
  if (std::strcmp(id, TK_SERVICE_EVALUATION) == 0) return &kEvaluationService;
  if (std::strcmp(id, TK_SERVICE_MODEL) == 0) return &kModelService;
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0) return &kSnapshotService;
  if (std::strcmp(id, TK_SERVICE_DISTRIBUTED) == 0) return &kDistributedService;
  return nullptr;
}

}  // namespace

HostServices::HostServices() : binding_{this, ""}, snapshot_writer_(libexec_file("trainkit-snapshot-writer")) {
  fill_host(host_, binding_);
}

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

void HostServices::set_ranks(int rank, int world_size, int local_rank) {
  rank_ = rank;
  world_size_ = world_size;
  local_rank_ = local_rank;
}

void host_log(int32_t level, const std::string& source, const std::string& message) {
  const char* label = level >= TK_LOG_ERROR ? "error: " : level == TK_LOG_WARNING ? "warning: " : "";
  const std::string who = program_label() + ": ";
  std::string line = source.empty() ? str_cat(who, label, message, "\n")
                                    : str_cat(who, "[", source, "] ", label, message, "\n");
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
