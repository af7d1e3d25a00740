#include "snapshot_host.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/error.hpp>

namespace fs = std::filesystem;

// The host owns what a captured snapshot is; plugins only ever hold the pointer.
struct tk_snapshot {
  std::string content;
};

namespace tk_snapshot_test {

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

// ---- the fake snapshot service ---------------------------------------------------------------------

std::string FakeSnapshots::content(int64_t iteration, const std::string& target, const std::string& format) {
  return "tkfake-snapshot\ntarget=" + target + "\nformat=" + format + "\niteration=" + std::to_string(iteration) +
         "\nend\n";
}

namespace {

SnapshotHost& fake(const tk_host* h) { return *const_cast<SnapshotHost*>(static_cast<const SnapshotHost*>(h->host_data)); }

tk_status fail(tk_error* err, tk_status code, const std::string& message) {
  std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
  err->code = code;
  return code;
}

void raise_max(std::atomic<int>& max, int value) {
  for (int seen = max.load(); value > seen && !max.compare_exchange_weak(seen, value);) {
  }
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One write to disk, shared by write and write_now: waits, checks for overlap, then temp file + rename.
tk_status write_file(FakeSnapshots& s, const std::string& content, const char* path, tk_error* err) {
  int now = ++s.in_flight;
  raise_max(s.max_in_flight, now);
  struct Leave {
    FakeSnapshots& s;
    ~Leave() { --s.in_flight; }
  } leave{s};
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.write_threads.insert(std::this_thread::get_id());
  }
  int guard = -1;
  std::string guard_path = s.guard_dir + "/in_flight";
  if (!s.guard_dir.empty()) {
    guard = ::open(guard_path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (guard < 0) return fail(err, TK_ERR_IO, "two writes at once (" + std::string(path) + ")");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(s.write_delay_ms.load()));
  tk_status status = TK_OK;
  if (s.fail_write.count(base_name(path)) != 0) {
    status = fail(err, TK_ERR_IO, "no space left on device (fake) writing " + base_name(path));
  } else {
    try {
      tk::write_file_atomically(path, content);
    } catch (const tk::Error& e) {
      status = fail(err, e.code(), e.what());
    }
  }
  if (guard >= 0) {
    ::close(guard);
    ::unlink(guard_path.c_str());
  }
  return status;
}

const tk_snapshot_service kSnapshots = {
    sizeof(tk_snapshot_service),
    // capture
    [](const tk_host* h, const char* target, const char* format, tk_snapshot** out, tk_error*) -> tk_status {
      FakeSnapshots& s = fake(h).snapshots;
      ++s.captures;
      raise_max(s.max_outstanding, ++s.outstanding);
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.capture_threads.insert(std::this_thread::get_id());
        s.captured_targets.push_back(std::string(target) + "/" + format);
      }
      *out = new tk_snapshot{FakeSnapshots::content(s.live_iteration.load(), target, format)};
      return TK_OK;
    },
    // write
    [](const tk_host* h, const tk_snapshot* snapshot, const char* path, tk_error* err) -> tk_status {
      FakeSnapshots& s = fake(h).snapshots;
      ++s.writes;
      return write_file(s, snapshot->content, path, err);
    },
    // release
    [](const tk_host* h, tk_snapshot* snapshot) {
      FakeSnapshots& s = fake(h).snapshots;
      ++s.releases;
      --s.outstanding;
      delete snapshot;
    },
    // write_now
    [](const tk_host* h, const char* target, const char* format, const char* path, tk_error* err) -> tk_status {
      FakeSnapshots& s = fake(h).snapshots;
      ++s.write_nows;
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.captured_targets.push_back(std::string(target) + "/" + format);
      }
      return write_file(s, FakeSnapshots::content(s.live_iteration.load(), target, format), path, err);
    },
    // verify
    [](const tk_host* h, const char* path, int64_t* iteration, tk_error* err) -> tk_status {
      FakeSnapshots& s = fake(h).snapshots;
      ++s.verifies;
      std::string name = base_name(path);
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.verified.push_back(name);
      }
      auto chosen = s.fail_verify.find(name);
      if (chosen != s.fail_verify.end()) return fail(err, TK_ERR_IO, chosen->second);
      std::ifstream in(path, std::ios::binary);
      if (!in) return fail(err, TK_ERR_IO, "cannot open");
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      if (text.rfind("tkfake-snapshot\n", 0) != 0) return fail(err, TK_ERR_IO, "not a trainkit snapshot");
      if (text.size() < 4 || text.compare(text.size() - 4, 4, "end\n") != 0) return fail(err, TK_ERR_IO, "truncated");
      // Like trainkit's verify: a file without trainer/iteration (target "model") is valid, iteration -1.
      size_t at = text.find("\niteration=");
      *iteration = at == std::string::npos ? -1 : std::stoll(text.substr(at + 11));
      return TK_OK;
    }};

const tk_log_service kLog = {sizeof(tk_log_service), [](const tk_host* h, int32_t level, const char* message) {
                               fake(h).add_log(level, message);
                             }};

const tk_observation_service kObservation = {
    sizeof(tk_observation_service), [](const tk_host* h, const char* key, double value) -> tk_status {
      fake(h).reported.set(key, value);
      return TK_OK;
    }};

const void* get_service(const tk_host* h, const char* id) {
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLog;
  if (std::strcmp(id, TK_SERVICE_OBSERVATION) == 0) return &kObservation;
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0 && fake(h).offer_snapshot_service) return &kSnapshots;
  return nullptr;
}

}  // namespace

SnapshotHost::SnapshotHost() {
  host_.struct_size = sizeof(tk_host);
  host_.abi = {TK_ABI_MAJOR, TK_ABI_MINOR};
  host_.name = "trainkit-test";
  host_.version = "0";
  host_.host_data = this;
  host_.get_service = &get_service;
}

std::vector<std::pair<int32_t, std::string>> SnapshotHost::logs() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return logs_;
}

std::vector<std::string> SnapshotHost::logs_at(int32_t level) const {
  std::vector<std::string> out;
  for (auto& l : logs())
    if (l.first == level) out.push_back(l.second);
  return out;
}

void SnapshotHost::add_log(int32_t level, std::string message) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  logs_.emplace_back(level, std::move(message));
}

// ---- Plugin ----------------------------------------------------------------------------------------

Plugin::Plugin(const std::string& name, const SnapshotHost& host) {
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

// Like trainkit, never dlclose.
Plugin::~Plugin() { entry_->deinit(); }

const tk_extension_class& Plugin::cls(const std::string& name) const {
  for (size_t i = 0; i < entry_->class_count(); ++i) {
    const tk_extension_class* c = entry_->get_class(i);
    if (name == c->name) return *c;
  }
  throw std::runtime_error("no extension class " + name);
}

// ---- Config ----------------------------------------------------------------------------------------

namespace {

OptionValue parse_default(const tk_option_decl& d) {
  std::string text = d.default_value;
  switch (d.type) {
    case TK_OPTION_BOOL: return text == "true";
    case TK_OPTION_INT: return static_cast<int64_t>(std::stoll(text));
    case TK_OPTION_FLOAT: return std::stod(text);
    case TK_OPTION_STRING:
    case TK_OPTION_TRIGGER: return text;
  }
  throw std::runtime_error(std::string("option ") + d.name + ": this test host parses no list defaults");
}

}  // namespace

struct Instance::ConfigData {
  tk_config raw{};
  std::string instance_name;
  std::map<std::string, OptionValue> values;

  static const ConfigData& of(const tk_config* c) { return *static_cast<const ConfigData*>(c->ctx); }

  template <class T>
  static tk_status get(const tk_config* c, const char* name, const T** out) {
    auto& values = of(c).values;
    auto it = values.find(name);
    if (it == values.end()) return TK_NOT_FOUND;
    *out = std::get_if<T>(&it->second);
    return *out ? TK_OK : TK_ERR_INVALID;
  }

  ConfigData(const tk_extension_class& cls, const Options& options, std::string name)
      : instance_name(std::move(name)) {
    for (size_t i = 0; i < cls.option_count; ++i) {
      const tk_option_decl& d = cls.options[i];
      auto given = options.find(d.name);
      if (given != options.end()) values[d.name] = given->second;
      else if (d.default_value != nullptr && (d.flags & TK_OPTION_REQUIRED) == 0) values[d.name] = parse_default(d);
    }
    for (auto& kv : options) {
      bool declared = false;
      for (size_t i = 0; i < cls.option_count; ++i) declared = declared || kv.first == cls.options[i].name;
      if (!declared) throw std::runtime_error("class " + std::string(cls.name) + " has no option " + kv.first);
    }
    raw.struct_size = sizeof(tk_config);
    raw.ctx = this;
    raw.instance_name = instance_name.c_str();
    raw.get_bool = [](const tk_config* c, const char* n, int32_t* out) {
      const bool* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *out = *v ? 1 : 0;
      return s;
    };
    raw.get_i64 = [](const tk_config* c, const char* n, int64_t* out) {
      const int64_t* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *out = *v;
      return s;
    };
    raw.get_f64 = [](const tk_config* c, const char* n, double* out) {
      const double* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *out = *v;
      return s;
    };
    raw.get_str = [](const tk_config* c, const char* n, const char** out) {
      const std::string* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *out = v->c_str();
      return s;
    };
    raw.get_list_size = [](const tk_config*, const char*, size_t*) { return TK_NOT_FOUND; };
    raw.get_list_i64 = [](const tk_config*, const char*, size_t, int64_t*) { return TK_NOT_FOUND; };
    raw.get_list_f64 = [](const tk_config*, const char*, size_t, double*) { return TK_NOT_FOUND; };
    raw.get_list_str = [](const tk_config*, const char*, size_t, const char**) { return TK_NOT_FOUND; };
  }
};

// ---- TestContext -----------------------------------------------------------------------------------

tk_context TestContext::make(const std::string& instance_name, bool with_scalars) const {
  tk_context c{};
  c.struct_size = sizeof(tk_context);
  c.iteration = iteration;
  c.epoch = iterations_per_epoch > 0 ? iteration / iterations_per_epoch : 0;
  c.epoch_detail = iterations_per_epoch > 0 ? static_cast<double>(iteration) / static_cast<double>(iterations_per_epoch) : 0;
  c.is_new_epoch = iterations_per_epoch > 0 && iteration > 0 && iteration % iterations_per_epoch == 0;
  c.iterations_per_epoch = iterations_per_epoch;
  c.max_iteration = -1;
  c.out_dir = out_dir.c_str();
  c.instance_name = instance_name.c_str();
  c.observation = with_scalars ? observation.view() : nullptr;
  c.summary = nullptr;
  c.rank = rank;
  c.world_size = world_size;
  return c;
}

// ---- MemoryState -----------------------------------------------------------------------------------

struct MemoryStateAccess {
  static MemoryState& of(const tk_state_visitor* v) { return *static_cast<MemoryState*>(v->ctx); }

  template <class T>
  static tk_status scalar(const tk_state_visitor* v, const char* key, T* value) {
    MemoryState& m = of(v);
    std::string path = m.path(key);
    if (v->mode == TK_VISIT_SAVE) {
      m.values[path] = *value;
      return TK_OK;
    }
    auto it = m.values.find(path);
    if (it == m.values.end()) return TK_NOT_FOUND;
    const T* stored = std::get_if<T>(&it->second);
    if (stored == nullptr) return TK_ERR_INVALID;
    *value = *stored;
    return TK_OK;
  }

  template <class Bytes>
  static tk_status blob(const tk_state_visitor* v, const char* key, char* buf, size_t* len) {
    MemoryState& m = of(v);
    std::string path = m.path(key);
    if (v->mode == TK_VISIT_SAVE) {
      m.values[path] = Bytes(buf, buf + *len);
      return TK_OK;
    }
    auto it = m.values.find(path);
    if (it == m.values.end()) return TK_NOT_FOUND;
    const Bytes* stored = std::get_if<Bytes>(&it->second);
    if (stored == nullptr) return TK_ERR_INVALID;
    if (buf == nullptr) {
      *len = stored->size();
      return TK_OK;
    }
    if (*len < stored->size()) return TK_ERR_INVALID;
    std::copy(stored->begin(), stored->end(), buf);
    *len = stored->size();
    return TK_OK;
  }
};

std::string MemoryState::path(const char* key) const {
  std::string p;
  for (auto& s : scopes_) p += s + "/";
  return p + key;
}

tk_state_visitor MemoryState::visitor(int32_t mode, uint32_t version) {
  using A = MemoryStateAccess;
  scopes_.clear();
  tk_state_visitor v{};
  v.struct_size = sizeof(tk_state_visitor);
  v.ctx = this;
  v.mode = mode;
  v.saved_version = version;
  v.enter = [](const tk_state_visitor* s, const char* key) {
    A::of(s).scopes_.push_back(key);
    return TK_OK;
  };
  v.leave = [](const tk_state_visitor* s) {
    if (A::of(s).scopes_.empty()) return TK_ERR_INVALID;
    A::of(s).scopes_.pop_back();
    return TK_OK;
  };
  v.i64 = [](const tk_state_visitor* s, const char* k, int64_t* x) { return A::scalar(s, k, x); };
  v.f64 = [](const tk_state_visitor* s, const char* k, double* x) { return A::scalar(s, k, x); };
  v.boolean = [](const tk_state_visitor* s, const char* k, int32_t* x) {
    bool b = *x != 0;
    tk_status st = A::scalar(s, k, &b);
    *x = b ? 1 : 0;
    return st;
  };
  v.str = [](const tk_state_visitor* s, const char* k, char* buf, size_t* len) {
    return A::blob<std::string>(s, k, buf, len);
  };
  v.bytes = [](const tk_state_visitor* s, const char* k, void* buf, size_t* len) {
    return A::blob<std::vector<uint8_t>>(s, k, static_cast<char*>(buf), len);
  };
  v.tensor = [](const tk_state_visitor*, const char*, const DLTensor*) { return TK_ERR_INVALID; };
  v.tensor_info = [](const tk_state_visitor*, const char*, DLDataType*, int32_t*, int64_t*) { return TK_ERR_INVALID; };
  return v;
}

// ---- Instance --------------------------------------------------------------------------------------

namespace {

void check(std::pair<tk_status, std::string> r, const std::string& what) {
  if (r.first != TK_OK)
    throw std::runtime_error(what + " failed (status " + std::to_string(r.first) + "): " + r.second);
}

template <class Step>
std::pair<tk_status, std::string> attempt(Step&& step) {
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = step(&err);
  return {s, s == TK_OK ? "" : err.message};
}

}  // namespace

Instance::Instance(const Plugin& plugin, const SnapshotHost& host, const std::string& class_name,
                   const Options& options, std::string instance_name)
    : cls_(&plugin.cls(class_name)), name_(instance_name.empty() ? class_name : std::move(instance_name)),
      config_(new ConfigData(*cls_, options, name_)) {
  auto r = attempt([&](tk_error* err) { return cls_->create(cls_, &config_->raw, host.raw(), &self_, err); });
  if (r.first != TK_OK) {
    delete config_;
    check(r, "create");
  }
}

Instance::~Instance() {
  cls_->destroy(self_);
  delete config_;
}

std::pair<tk_status, std::string> Instance::try_create(const Plugin& plugin, const SnapshotHost& host,
                                                       const std::string& class_name, const Options& options) {
  const tk_extension_class& cls = plugin.cls(class_name);
  ConfigData config(cls, options, class_name);
  void* self = nullptr;
  auto r = attempt([&](tk_error* err) { return cls.create(&cls, &config.raw, host.raw(), &self, err); });
  if (r.first == TK_OK) cls.destroy(self);
  return r;
}

std::pair<tk_status, std::string> Instance::try_initialize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  return attempt([&](tk_error* err) { return cls_->initialize(self_, &c, err); });
}

std::pair<tk_status, std::string> Instance::try_call(const TestContext& ctx) {
  tk_context c = ctx.make(name_, true);
  return attempt([&](tk_error* err) { return cls_->call(self_, &c, err); });
}

std::pair<tk_status, std::string> Instance::try_finalize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  return attempt([&](tk_error* err) { return cls_->finalize(self_, &c, err); });
}

void Instance::initialize(const TestContext& ctx) { check(try_initialize(ctx), "initialize"); }
void Instance::call(const TestContext& ctx) { check(try_call(ctx), "call"); }
void Instance::finalize(const TestContext& ctx) { check(try_finalize(ctx), "finalize"); }

void Instance::on_error(const TestContext& ctx, const std::string& what) {
  tk_context c = ctx.make(name_, true);
  check(attempt([&](tk_error* err) { return cls_->on_error(self_, &c, what.c_str(), err); }), "on_error");
}

void Instance::save(MemoryState& state) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_SAVE, cls_->state_version);
  check(attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); }), "visit_state(save)");
}

void Instance::load(MemoryState& state, uint32_t saved_version) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_LOAD, saved_version);
  check(attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); }), "visit_state(load)");
}

std::string Instance::find_resume_point(const TestContext& ctx, bool requested) {
  if (cls_->find_resume_point == nullptr) return "";
  tk_context c = ctx.make(name_, false);
  char path[4096] = {0};
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = cls_->find_resume_point(self_, &c, requested ? 1 : 0, path, sizeof path, &err);
  if (s == TK_NOT_FOUND) return "";
  check({s, s == TK_OK ? "" : err.message}, "find_resume_point");
  return path;
}

// ---- files -----------------------------------------------------------------------------------------

Strings list_dir(const std::string& dir, bool with_hidden) {
  Strings names;
  for (auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (with_hidden || name[0] != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tk_snapshot_test
