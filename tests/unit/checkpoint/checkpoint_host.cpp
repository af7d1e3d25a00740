#include "checkpoint_host.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/error.hpp>

namespace fs = std::filesystem;

namespace tk_checkpoint_test {

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

CheckpointHost& fake(const tk_host* h) {
  return *const_cast<CheckpointHost*>(static_cast<const CheckpointHost*>(h->host_data));
}

tk_status fail(tk_error* err, tk_status code, const std::string& message) {
  std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
  err->code = code;
  return code;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dir_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

tk_status write_now(const tk_host* h, const char* target, const char* format, const char* path, tk_error* err) {
  FakeSnapshots& s = fake(h).snapshots;
  WriteRecord record{base_name(path), target, format, {}, false};
  if (s.while_writing) s.while_writing();
  record.dir_before = list_dir(dir_name(path));
  tk_status status = TK_OK;
  if (s.fail_write.count(record.name) != 0) {
    status = fail(err, TK_ERR_IO, "no space left on device (fake) writing " + record.name);
  } else {
    try {
      tk::write_file_atomically(path, FakeSnapshots::content(s.live_iteration, target, format));
    } catch (const tk::Error& e) {
      status = fail(err, e.code(), e.what());
    }
  }
  if (status == TK_OK && record.name == s.exit_after_write) ::_exit(FakeSnapshots::kCrashExitCode);
  record.ok = status == TK_OK;
  s.writes.push_back(std::move(record));
  return status;
}

const tk_snapshot_service kSnapshots = {
    sizeof(tk_snapshot_service),
    // capture: the checkpoint plugin only streams
    [](const tk_host*, const char*, const char*, tk_snapshot**, tk_error* err) -> tk_status {
      return fail(err, TK_ERR_INTERNAL, "this test host offers only write_now");
    },
    // write
    [](const tk_host*, const tk_snapshot*, const char*, tk_error* err) -> tk_status {
      return fail(err, TK_ERR_INTERNAL, "this test host offers only write_now");
    },
    // release
    [](const tk_host*, tk_snapshot*) {},
    &write_now,
    // verify
    [](const tk_host*, const char*, int64_t*, tk_error* err) -> tk_status {
      return fail(err, TK_ERR_INTERNAL, "this test host offers only write_now");
    }};

const tk_log_service kLog = {sizeof(tk_log_service), [](const tk_host* h, int32_t level, const char* message) {
                               fake(h).add_log(level, message);
                             }};

const void* get_service(const tk_host* h, const char* id) {
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLog;
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0 && fake(h).offer_snapshot_service) return &kSnapshots;
  return nullptr;
}

}  // namespace

CheckpointHost::CheckpointHost() {
  host_.struct_size = sizeof(tk_host);
  host_.abi = {TK_ABI_MAJOR, TK_ABI_MINOR};
  host_.name = "trainkit-test";
  host_.version = "0";
  host_.host_data = this;
  host_.get_service = &get_service;
}

std::vector<std::pair<int32_t, std::string>> CheckpointHost::logs() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return logs_;
}

std::vector<std::string> CheckpointHost::logs_at(int32_t level) const {
  std::vector<std::string> out;
  for (auto& l : logs())
    if (l.first == level) out.push_back(l.second);
  return out;
}

void CheckpointHost::add_log(int32_t level, std::string message) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  logs_.emplace_back(level, std::move(message));
}

// ---- Plugin ----------------------------------------------------------------------------------------

Plugin::Plugin(const std::string& name, const CheckpointHost& host) {
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

// A TOML array of plain double-quoted strings without escapes: all a declared default here needs.
Strings parse_string_list(const std::string& text) {
  Strings out;
  size_t i = text.find('[');
  if (i == std::string::npos) throw std::runtime_error("not a list default: " + text);
  for (++i; i < text.size();) {
    char c = text[i];
    if (c == ' ' || c == ',') { ++i; continue; }
    if (c == ']') return out;
    if (c != '"') break;
    size_t close = text.find('"', i + 1);
    if (close == std::string::npos) break;
    out.push_back(text.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  throw std::runtime_error("this test host cannot parse the list default " + text);
}

OptionValue parse_default(const tk_option_decl& d) {
  std::string text = d.default_value;
  switch (d.type) {
    case TK_OPTION_BOOL: return text == "true";
    case TK_OPTION_INT: return static_cast<int64_t>(std::stoll(text));
    case TK_OPTION_FLOAT: return std::stod(text);
    case TK_OPTION_STRING:
    case TK_OPTION_TRIGGER: return text;
    case TK_OPTION_STRING_LIST: return parse_string_list(text);
  }
  throw std::runtime_error(std::string("option ") + d.name + ": this test host parses no such default");
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
      if (given != options.end()) {
        // Like the host: a TOML integer is accepted for a float option.
        if (d.type == TK_OPTION_FLOAT && std::holds_alternative<int64_t>(given->second))
          values[d.name] = static_cast<double>(std::get<int64_t>(given->second));
        else
          values[d.name] = given->second;
      } else if (d.default_value != nullptr && (d.flags & TK_OPTION_REQUIRED) == 0) {
        values[d.name] = parse_default(d);
      }
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
    raw.get_list_size = [](const tk_config* c, const char* n, size_t* count) {
      const Strings* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *count = v->size();
      return s;
    };
    raw.get_list_i64 = [](const tk_config*, const char*, size_t, int64_t*) { return TK_ERR_INVALID; };
    raw.get_list_f64 = [](const tk_config*, const char*, size_t, double*) { return TK_ERR_INVALID; };
    raw.get_list_str = [](const tk_config* c, const char* n, size_t i, const char** out) {
      const Strings* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s != TK_OK) return s;
      if (i >= v->size()) return TK_ERR_INVALID;
      *out = (*v)[i].c_str();
      return TK_OK;
    };
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

Instance::Instance(const Plugin& plugin, const CheckpointHost& host, const std::string& class_name,
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

std::pair<tk_status, std::string> Instance::try_create(const Plugin& plugin, const CheckpointHost& host,
                                                       const std::string& class_name, const Options& options) {
  const tk_extension_class& cls = plugin.cls(class_name);
  ConfigData config(cls, options, class_name);
  void* self = nullptr;
  auto r = attempt([&](tk_error* err) { return cls.create(&cls, &config.raw, host.raw(), &self, err); });
  if (r.first == TK_OK) cls.destroy(self);
  return r;
}

void Instance::initialize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  check(attempt([&](tk_error* err) { return cls_->initialize(self_, &c, err); }), "initialize");
}

std::pair<tk_status, std::string> Instance::try_call(const TestContext& ctx) {
  tk_context c = ctx.make(name_, true);
  return attempt([&](tk_error* err) { return cls_->call(self_, &c, err); });
}

void Instance::call(const TestContext& ctx) { check(try_call(ctx), "call"); }

void Instance::finalize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  check(attempt([&](tk_error* err) { return cls_->finalize(self_, &c, err); }), "finalize");
}

void Instance::save(MemoryState& state) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_SAVE, cls_->state_version);
  check(attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); }), "visit_state(save)");
}

std::pair<tk_status, std::string> Instance::try_load(MemoryState& state, uint32_t saved_version) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_LOAD, saved_version);
  return attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); });
}

void Instance::load(MemoryState& state, uint32_t saved_version) {
  check(try_load(state, saved_version), "visit_state(load)");
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

}  // namespace tk_checkpoint_test
