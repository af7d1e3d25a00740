#include "state/abi_visitor.h"

#include <cstring>
#include <stdexcept>
#include <vector>

namespace trainkit {

AbiVisitor::AbiVisitor(state::Visitor& visitor, uint32_t saved_version) : visitor_(visitor) {
  raw_.struct_size = sizeof(tk_state_visitor);
  raw_.ctx = this;
  raw_.mode = visitor.saving() ? TK_VISIT_SAVE : TK_VISIT_LOAD;
  raw_.saved_version = saved_version;
  raw_.enter = &enter;
  raw_.leave = &leave;
  raw_.i64 = &i64;
  raw_.f64 = &f64;
  raw_.boolean = &boolean;
  raw_.str = &str;
  raw_.bytes = &bytes;
  raw_.tensor = &tensor;
  raw_.tensor_info = &tensor_info;
}

AbiVisitor& AbiVisitor::self(const tk_state_visitor* v) { return *static_cast<AbiVisitor*>(v->ctx); }

void AbiVisitor::rethrow_pending() const {
  if (pending_) std::rethrow_exception(pending_);
}

void AbiVisitor::close_open_scopes() {
  for (; open_scopes_ > 0; --open_scopes_) visitor_.leave();
}

template <class Body>
tk_status AbiVisitor::guarded(const tk_state_visitor* v, Body&& body) noexcept {
  AbiVisitor& s = self(v);
  try {
    return body(s) ? TK_OK : TK_NOT_FOUND;
  } catch (...) {
    if (!s.pending_) s.pending_ = std::current_exception();
    return TK_ERR_INVALID;
  }
}

tk_status AbiVisitor::enter(const tk_state_visitor* v, const char* key) {
  if (key == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) {
    s.visitor_.enter(key);
    ++s.open_scopes_;
    return true;
  });
}

tk_status AbiVisitor::leave(const tk_state_visitor* v) {
  return guarded(v, [&](AbiVisitor& s) {
    if (s.open_scopes_ == 0) throw std::logic_error("plugin called leave() without enter()");
    s.visitor_.leave();
    --s.open_scopes_;
    return true;
  });
}

tk_status AbiVisitor::i64(const tk_state_visitor* v, const char* key, int64_t* value) {
  if (key == nullptr || value == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) { return s.visitor_.value(key, *value); });
}

tk_status AbiVisitor::f64(const tk_state_visitor* v, const char* key, double* value) {
  if (key == nullptr || value == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) { return s.visitor_.value(key, *value); });
}

tk_status AbiVisitor::boolean(const tk_state_visitor* v, const char* key, int32_t* value) {
  if (key == nullptr || value == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) {
    bool b = *value != 0;
    bool found = s.visitor_.value(key, b);
    if (found) *value = b ? 1 : 0;
    return found;
  });
}

// Strings and bytes on LOAD take two calls (buf == NULL asks for the length); the loaded value is
// fetched each time, which is cheap next to a plugin's state and keeps no per-call cache.
tk_status AbiVisitor::str(const tk_state_visitor* v, const char* key, char* buf, size_t* len) {
  if (key == nullptr || len == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) {
    if (s.visitor_.saving()) {
      std::string value(buf ? buf : "", buf ? *len : 0);
      return s.visitor_.value(key, value);
    }
    std::string value;
    if (!s.visitor_.value(key, value)) return false;
    if (buf != nullptr) {
      if (*len < value.size()) throw std::length_error(std::string("buffer too small for state key ") + key);
      std::memcpy(buf, value.data(), value.size());
    }
    *len = value.size();
    return true;
  });
}

tk_status AbiVisitor::bytes(const tk_state_visitor* v, const char* key, void* buf, size_t* len) {
  if (key == nullptr || len == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) {
    if (s.visitor_.saving()) {
      const auto* p = static_cast<const uint8_t*>(buf);
      std::vector<uint8_t> value(p, p + (buf ? *len : 0));
      return s.visitor_.bytes(key, value);
    }
    std::vector<uint8_t> value;
    if (!s.visitor_.bytes(key, value)) return false;
    if (buf != nullptr) {
      if (*len < value.size()) throw std::length_error(std::string("buffer too small for state key ") + key);
      std::memcpy(buf, value.data(), value.size());
    }
    *len = value.size();
    return true;
  });
}

tk_status AbiVisitor::tensor(const tk_state_visitor* v, const char* key, const DLTensor* t) {
  if (key == nullptr || t == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) { return s.visitor_.tensor(key, *t); });
}

tk_status AbiVisitor::tensor_info(const tk_state_visitor* v, const char* key, DLDataType* dtype, int32_t* ndim,
                                  int64_t shape[TK_MAX_DIMS]) {
  if (key == nullptr || dtype == nullptr || ndim == nullptr || shape == nullptr) return TK_ERR_INVALID;
  return guarded(v, [&](AbiVisitor& s) {
    std::vector<int64_t> dims;
    if (!s.visitor_.tensor_info(key, *dtype, dims)) return false;
    if (dims.size() > TK_MAX_DIMS) throw std::length_error(std::string("too many dimensions in ") + key);
    *ndim = static_cast<int32_t>(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) shape[i] = dims[i];
    return true;
  });
}

}  // namespace trainkit
