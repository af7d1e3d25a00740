// MemoryState: the in-memory tk_state_visitor extensions save into and load from.
#include <algorithm>

#include "plugin_host.h"

namespace tk_test {

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

}  // namespace tk_test
