// ScalarMap, FakeHost's services, Plugin loading and list_dir.
#include "plugin_host.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace tk_test {

// ---- ScalarMap -------------------------------------------------------------------------------------

void ScalarMap::set(const std::string& key, double value) {
  for (auto& kv : items_)
    if (kv.first == key) { kv.second = value; return; }
  items_.emplace_back(key, value);
}

std::optional<double> ScalarMap::find(const std::string& key) const {
  for (auto& kv : items_)
    if (kv.first == key) return kv.second;
  return std::nullopt;
}

namespace {
const ScalarMap& map_of(const tk_scalar_view* v) { return *static_cast<const ScalarMap*>(v->ctx); }
}  // namespace

const tk_scalar_view* ScalarMap::view() const {
  view_.struct_size = sizeof(tk_scalar_view);
  view_.ctx = this;
  view_.size = [](const tk_scalar_view* v) { return map_of(v).items().size(); };
  view_.key = [](const tk_scalar_view* v, size_t i) { return map_of(v).items().at(i).first.c_str(); };
  view_.value = [](const tk_scalar_view* v, size_t i) { return map_of(v).items().at(i).second; };
  view_.find = [](const tk_scalar_view* v, const char* key, double* out) -> tk_status {
    auto found = map_of(v).find(key);
    if (!found) return TK_NOT_FOUND;
    *out = *found;
    return TK_OK;
  };
  return &view_;
}

// ---- FakeHost --------------------------------------------------------------------------------------

namespace {

FakeHost& fake(const tk_host* h) { return *const_cast<FakeHost*>(static_cast<const FakeHost*>(h->host_data)); }

const tk_log_service kLog = {sizeof(tk_log_service), [](const tk_host* h, int32_t level, const char* message) {
                               fake(h).add_log(level, message);
                             }};

const tk_observation_service kObservation = {
    sizeof(tk_observation_service), [](const tk_host* h, const char* key, double value) -> tk_status {
      fake(h).reported.set(key, value);
      return TK_OK;
    }};

const tk_optimizer_service kOptimizer = {
    sizeof(tk_optimizer_service),
    [](const tk_host* h) { return fake(h).optimizer_name.c_str(); },
    [](const tk_host* h) { return fake(h).lr.size(); },
    [](const tk_host* h, size_t group, const char* name, double* out) -> tk_status {
      if (group >= fake(h).lr.size()) return TK_ERR_INVALID;
      if (std::strcmp(name, "lr") != 0) return TK_NOT_FOUND;
      *out = fake(h).lr[group];
      return TK_OK;
    },
    [](const tk_host* h, size_t group, const char* name, double value) -> tk_status {
      if (group >= fake(h).lr.size()) return TK_ERR_INVALID;
      if (std::strcmp(name, "lr") != 0) return TK_NOT_FOUND;
      fake(h).lr[group] = value;
      return TK_OK;
    }};

// Like trainkit's: reports <prefix>/main/loss and <prefix>/main/accuracy into the observation.
const tk_evaluation_service kEvaluation = {
    sizeof(tk_evaluation_service),
    [](const tk_host* h, const char* split, const char* prefix, tk_error* err) -> tk_status {
      FakeHost& host = fake(h);
      host.evaluations.push_back({split, prefix});
      if (!host.eval_failure.empty()) {
        std::snprintf(err->message, sizeof err->message, "%s", host.eval_failure.c_str());
        return TK_ERR_INVALID;
      }
      host.reported.set(std::string(prefix) + "/main/loss", host.eval_loss);
      host.reported.set(std::string(prefix) + "/main/accuracy", host.eval_accuracy);
      return TK_OK;
    }};

const tk_distributed_service kDistributed = {
    sizeof(tk_distributed_service),
    [](const tk_host* h) -> int32_t { return fake(h).rank; },
    [](const tk_host* h) -> int32_t { return fake(h).world_size; },
    [](const tk_host* h) -> int32_t { return fake(h).rank; },
    [](const tk_host* h, tk_error*) -> tk_status {
      ++fake(h).barriers;
      return TK_OK;
    },
    [](const tk_host*, double*, size_t, int32_t, tk_error*) -> tk_status { return TK_OK; },
    [](const tk_host*, char*, size_t, int32_t, tk_error*) -> tk_status { return TK_OK; }};

const void* get_service(const tk_host*, const char* id) {
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLog;
  if (std::strcmp(id, TK_SERVICE_OBSERVATION) == 0) return &kObservation;
  if (std::strcmp(id, TK_SERVICE_OPTIMIZER) == 0) return &kOptimizer;
  if (std::strcmp(id, TK_SERVICE_EVALUATION) == 0) return &kEvaluation;
  if (std::strcmp(id, TK_SERVICE_DISTRIBUTED) == 0) return &kDistributed;
  return nullptr;
}

}  // namespace

FakeHost::FakeHost() {
  host_.struct_size = sizeof(tk_host);
  host_.abi = {TK_ABI_MAJOR, TK_ABI_MINOR};
  host_.name = "trainkit-test";
  host_.version = "0";
  host_.host_data = this;
  host_.get_service = &get_service;
}

FakeHost::GetService FakeHost::chain_services(GetService own) {
  GetService base = host_.get_service;
  host_.get_service = own;
  return base;
}

std::vector<std::pair<int32_t, std::string>> FakeHost::logs() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return logs_;
}

std::vector<std::string> FakeHost::logs_at(int32_t level) const {
  std::vector<std::string> out;
  for (auto& l : logs())
    if (l.first == level) out.push_back(l.second);
  return out;
}

void FakeHost::add_log(int32_t level, std::string message) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  logs_.emplace_back(level, std::move(message));
}

// ---- Plugin ----------------------------------------------------------------------------------------

Plugin::Plugin(const std::string& name, const FakeHost& host) {
  std::string path = std::string(TK_BUILD_PLUGIN_DIR) + "/" + name + ".so";
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) throw std::runtime_error("dlopen " + path + ": " + ::dlerror());
  entry_ = static_cast<const tk_plugin_entry*>(::dlsym(handle_, TK_ENTRY_SYMBOL_NAME));
  if (entry_ == nullptr) throw std::runtime_error(path + " has no " TK_ENTRY_SYMBOL_NAME);
  if (entry_->magic != TK_ENTRY_MAGIC || entry_->abi.major != TK_ABI_MAJOR || entry_->abi.minor > TK_ABI_MINOR)
    throw std::runtime_error(path + ": bad magic or ABI version");
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  if (entry_->init(host.raw(), &err) != TK_OK) throw std::runtime_error(path + ": init failed: " + err.message);
}

// Like trainkit, never dlclose: a plugin may leave thread-locals or atexit handlers behind.
Plugin::~Plugin() { entry_->deinit(); }

const tk_extension_class& Plugin::cls(const std::string& name) const {
  for (size_t i = 0; i < entry_->class_count(); ++i) {
    const tk_extension_class* c = entry_->get_class(i);
    if (name == c->name) return *c;
  }
  throw std::runtime_error("no extension class " + name);
}

// ---- files -----------------------------------------------------------------------------------------

Strings list_dir(const std::string& dir, bool with_hidden) {
  Strings names;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (with_hidden || name[0] != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tk_test
