#include "test_host.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

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
                               fake(h).logs.emplace_back(level, message);
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

const void* get_service(const tk_host*, const char* id) {
  if (std::strcmp(id, TK_SERVICE_LOG) == 0) return &kLog;
  if (std::strcmp(id, TK_SERVICE_OBSERVATION) == 0) return &kObservation;
  if (std::strcmp(id, TK_SERVICE_OPTIMIZER) == 0) return &kOptimizer;
  if (std::strcmp(id, TK_SERVICE_EVALUATION) == 0) return &kEvaluation;
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

// ---- Config ----------------------------------------------------------------------------------------

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Enough TOML for the defaults the standard plugins declare: scalars and flat lists without commas in strings.
Strings list_items(const std::string& text) {
  std::string t = trim(text);
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') throw std::runtime_error("not a list: " + text);
  Strings out;
  std::stringstream in(t.substr(1, t.size() - 2));
  for (std::string item; std::getline(in, item, ',');) {
    item = trim(item);
    if (item.empty()) continue;
    if (item.front() == '"') item = item.substr(1, item.size() - 2);
    out.push_back(item);
  }
  return out;
}

OptionValue parse_default(const tk_option_decl& d) {
  std::string text = d.default_value;
  switch (d.type) {
    case TK_OPTION_BOOL: return text == "true";
    case TK_OPTION_INT: return static_cast<int64_t>(std::stoll(text));
    case TK_OPTION_FLOAT: return std::stod(text);
    case TK_OPTION_STRING:
    case TK_OPTION_TRIGGER: return text;
    case TK_OPTION_STRING_LIST: return list_items(text);
    case TK_OPTION_INT_LIST: {
      std::vector<int64_t> v;
      for (auto& s : list_items(text)) v.push_back(std::stoll(s));
      return v;
    }
    case TK_OPTION_FLOAT_LIST: {
      std::vector<double> v;
      for (auto& s : list_items(text)) v.push_back(std::stod(s));
      return v;
    }
  }
  throw std::runtime_error(std::string("option ") + d.name + " has an unknown type");
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
      const int64_t* i = nullptr;  // an integer is accepted for a float, as in the manifest
      if (s == TK_ERR_INVALID && get(c, n, &i) == TK_OK) { *out = static_cast<double>(*i); s = TK_OK; }
      return s;
    };
    raw.get_str = [](const tk_config* c, const char* n, const char** out) {
      const std::string* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s == TK_OK) *out = v->c_str();
      return s;
    };
    raw.get_list_size = [](const tk_config* c, const char* n, size_t* count) {
      auto& values = of(c).values;
      auto it = values.find(n);
      if (it == values.end()) return TK_NOT_FOUND;
      if (auto* s = std::get_if<Strings>(&it->second)) *count = s->size();
      else if (auto* i = std::get_if<std::vector<int64_t>>(&it->second)) *count = i->size();
      else if (auto* d = std::get_if<std::vector<double>>(&it->second)) *count = d->size();
      else return TK_ERR_INVALID;
      return TK_OK;
    };
    raw.get_list_i64 = [](const tk_config* c, const char* n, size_t i, int64_t* out) {
      const std::vector<int64_t>* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s != TK_OK) return s;
      if (i >= v->size()) return TK_ERR_INVALID;
      *out = (*v)[i];
      return TK_OK;
    };
    raw.get_list_f64 = [](const tk_config* c, const char* n, size_t i, double* out) {
      const std::vector<double>* v = nullptr;
      tk_status s = get(c, n, &v);
      if (s != TK_OK) return s;
      if (i >= v->size()) return TK_ERR_INVALID;
      *out = (*v)[i];
      return TK_OK;
    };
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
  c.state_restored = state_restored ? 1 : 0;
  c.iterations_per_epoch = iterations_per_epoch;
  c.max_iteration = max_iteration;
  c.elapsed_time = elapsed_time;
  c.out_dir = out_dir.c_str();
  c.instance_name = instance_name.c_str();
  c.observation = with_scalars ? observation.view() : nullptr;
  c.summary = with_scalars ? summary.view() : nullptr;
  c.rank = rank;
  c.world_size = 1;
  return c;
}

// ---- MemoryState -----------------------------------------------------------------------------------

struct MemoryStateAccess {
  static MemoryState& of(const tk_state_visitor* v) { return *static_cast<MemoryState*>(v->ctx); }

  // SAVE stores *value; LOAD copies the stored value out, or answers NOT_FOUND.
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

void check(tk_status s, const tk_error& err, const std::string& what) {
  if (s != TK_OK) throw std::runtime_error(what + " failed (status " + std::to_string(s) + "): " + err.message);
}

}  // namespace

Instance::Instance(const Plugin& plugin, const FakeHost& host, const std::string& class_name, const Options& options,
                   std::string instance_name)
    : cls_(&plugin.cls(class_name)), name_(instance_name.empty() ? class_name : std::move(instance_name)),
      config_(new ConfigData(*cls_, options, name_)) {
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = cls_->create(cls_, &config_->raw, host.raw(), &self_, &err);
  if (s != TK_OK) {
    delete config_;
    check(s, err, "create");
  }
}

Instance::~Instance() {
  cls_->destroy(self_);
  delete config_;
}

std::pair<tk_status, std::string> Instance::try_create(const Plugin& plugin, const FakeHost& host,
                                                       const std::string& class_name, const Options& options) {
  const tk_extension_class& cls = plugin.cls(class_name);
  ConfigData config(cls, options, class_name);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  void* self = nullptr;
  tk_status s = cls.create(&cls, &config.raw, host.raw(), &self, &err);
  if (s == TK_OK) cls.destroy(self);
  return {s, s == TK_OK ? "" : err.message};
}

void Instance::initialize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  check(cls_->initialize(self_, &c, &err), err, "initialize");
}

void Instance::call(const TestContext& ctx) {
  tk_context c = ctx.make(name_, true);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  check(cls_->call(self_, &c, &err), err, "call");
}

void Instance::finalize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  check(cls_->finalize(self_, &c, &err), err, "finalize");
}

void Instance::save(MemoryState& state) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_SAVE, cls_->state_version);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  check(cls_->visit_state(self_, &v, &err), err, "visit_state(save)");
}

void Instance::load(MemoryState& state, uint32_t saved_version) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_LOAD, saved_version);
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  check(cls_->visit_state(self_, &v, &err), err, "visit_state(load)");
}

// ---- stdout redirection ----------------------------------------------------------------------------

CapturedStdout::CapturedStdout() {
  std::fflush(stdout);
  char name[] = "/tmp/tk_stdout_XXXXXX";
  file_fd_ = ::mkstemp(name);
  if (file_fd_ < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(name);
  saved_fd_ = ::dup(STDOUT_FILENO);
  ::dup2(file_fd_, STDOUT_FILENO);
}

CapturedStdout::~CapturedStdout() {
  std::fflush(stdout);
  ::dup2(saved_fd_, STDOUT_FILENO);
  ::close(saved_fd_);
  ::close(file_fd_);
}

std::string CapturedStdout::text() const {
  std::fflush(stdout);
  std::string out;
  char buf[4096];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(file_fd_, buf, sizeof buf, at);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return out;
}

TerminalStdout::TerminalStdout() {
  if (const char* t = std::getenv("TERM")) saved_term_ = t;
  ::setenv("TERM", "xterm", 1);
  master_fd_ = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master_fd_ < 0 || ::grantpt(master_fd_) != 0 || ::unlockpt(master_fd_) != 0)
    throw std::runtime_error("cannot open a pseudo terminal");
  int slave = ::open(::ptsname(master_fd_), O_RDWR | O_NOCTTY);
  if (slave < 0) throw std::runtime_error("cannot open the pseudo terminal's slave");
  termios raw{};
  ::tcgetattr(slave, &raw);
  ::cfmakeraw(&raw);  // no "\n" -> "\r\n": the test sees the bytes the plugin wrote
  ::tcsetattr(slave, TCSANOW, &raw);
  ::fcntl(master_fd_, F_SETFL, O_NONBLOCK);
  std::fflush(stdout);
  saved_fd_ = ::dup(STDOUT_FILENO);
  ::dup2(slave, STDOUT_FILENO);
  ::close(slave);
}

TerminalStdout::~TerminalStdout() {
  std::fflush(stdout);
  ::dup2(saved_fd_, STDOUT_FILENO);
  ::close(saved_fd_);
  ::close(master_fd_);
  if (saved_term_) ::setenv("TERM", saved_term_->c_str(), 1);
  else ::unsetenv("TERM");
}

std::string TerminalStdout::text() {
  std::fflush(stdout);
  std::string out;
  char buf[4096];
  // The tty layer hands bytes to the master side asynchronously: wait briefly for each chunk.
  for (pollfd p{master_fd_, POLLIN, 0}; ::poll(&p, 1, 200) > 0;) {
    ssize_t n = ::read(master_fd_, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// ---- TempDir ---------------------------------------------------------------------------------------

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "tk_plugins_XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(file(name), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tk_test
