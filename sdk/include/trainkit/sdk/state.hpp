// trainkit SDK: one function saves and loads an extension's state.
//
//   void visit(tk::StateVisitor& v) override {
//     v("count", count_);                       // int64, double, bool, std::string, ...
//     v.scope("summary", [&] { v("sum", sum_); });
//   }
//
// On LOAD a key missing from the snapshot leaves the member unchanged and the call returns false.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../abi.h"
#include "error.hpp"

namespace tk {

// Use inside Extension::visit; never store it.
class StateVisitor {
 public:
  explicit StateVisitor(const tk_state_visitor* raw) : raw_(raw) {}
  bool saving() const { return raw_->mode == TK_VISIT_SAVE; }
  bool loading() const { return raw_->mode == TK_VISIT_LOAD; }
  uint32_t saved_version() const { return raw_->saved_version; }

  bool operator()(const char* key, double& value) { return done(raw_->f64(raw_, key, &value), key); }
  bool operator()(const char* key, float& value) {
    double d = value;
    bool ok = (*this)(key, d);
    if (ok && loading()) value = static_cast<float>(d);
    return ok;
  }
  bool operator()(const char* key, bool& value) {
    int32_t b = value ? 1 : 0;
    bool ok = done(raw_->boolean(raw_, key, &b), key);
    if (ok && loading()) value = b != 0;
    return ok;
  }
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  bool operator()(const char* key, Int& value) {
    int64_t wide = static_cast<int64_t>(value);
    bool ok = done(raw_->i64(raw_, key, &wide), key);
    if (ok && loading()) {
      if (wide < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
          (wide > 0 && static_cast<uint64_t>(wide) > static_cast<uint64_t>(std::numeric_limits<Int>::max())))
        throw Error(TK_ERR_INVALID, "state key \"", key, "\" holds ", wide, ", out of range");
      value = static_cast<Int>(wide);
    }
    return ok;
  }
  bool operator()(const char* key, std::string& value) {
    size_t len = value.size();
    if (saving()) return done(raw_->str(raw_, key, value.data(), &len), key);
    if (!done(raw_->str(raw_, key, nullptr, &len), key)) return false;
    std::string buf(len, '\0');
    done(raw_->str(raw_, key, buf.data(), &len), key);
    value = std::move(buf);
    return true;
  }
  bool bytes(const char* key, std::vector<uint8_t>& value) {
    size_t len = value.size();
    if (saving()) return done(raw_->bytes(raw_, key, value.data(), &len), key);
    if (!done(raw_->bytes(raw_, key, nullptr, &len), key)) return false;
    std::vector<uint8_t> buf(len);
    done(raw_->bytes(raw_, key, buf.data(), &len), key);
    value = std::move(buf);
    return true;
  }
  // A vector of doubles, stored as a 1-d float64 tensor.
  bool operator()(const char* key, std::vector<double>& value) {
    int64_t shape[TK_MAX_DIMS] = {static_cast<int64_t>(value.size())};
    if (loading()) {
      DLDataType dtype{};
      int32_t ndim = 0;
      tk_status s = raw_->tensor_info(raw_, key, &dtype, &ndim, shape);
      if (!done(s, key)) return false;
      if (ndim != 1 || dtype.code != kDLFloat || dtype.bits != 64)
        throw Error(TK_ERR_INVALID, "state key \"", key, "\" is not a list of float64");
      value.assign(static_cast<size_t>(shape[0]), 0.0);
    }
    DLTensor t{};
    t.data = value.data();
    t.device = DLDevice{kDLCPU, 0};
    t.ndim = 1;
    t.dtype = DLDataType{kDLFloat, 64, 1};
    t.shape = shape;
    return done(raw_->tensor(raw_, key, &t), key);
  }

  template <class Body>
  void scope(const char* key, Body&& body) {
    detail::check(raw_->enter(raw_, key), key);
    body();
    detail::check(raw_->leave(raw_), key);
  }

  const tk_state_visitor* raw() const { return raw_; }

 private:
  bool done(tk_status s, const char* key) {
    if (s == TK_NOT_FOUND && loading()) return false;
    if (s != TK_OK) throw Error(s, "state key \"", key, "\": visitor failed (status ", s, ")");
    return true;
  }
  const tk_state_visitor* raw_;
};

}  // namespace tk
