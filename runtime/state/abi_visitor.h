// trainkit state: a host-side state::Visitor lent to a plugin as the C tk_state_visitor.
//
//   AbiVisitor abi(visitor, saved_version);
//   cls->visit_state(instance, abi.raw(), &err);
//
// Every call is translated both ways; a host exception inside a visitor call (a shape mismatch, say)
// becomes a status for the plugin and is rethrown to the host after visit_state returns.
#pragma once

#include <exception>
#include <string>

#include <trainkit/abi.h>

#include "state/visitor.h"

namespace trainkit {

// Use for the duration of one visit_state call.
class AbiVisitor {
 public:
  AbiVisitor(state::Visitor& visitor, uint32_t saved_version);
  AbiVisitor(const AbiVisitor&) = delete;
  AbiVisitor& operator=(const AbiVisitor&) = delete;

  const tk_state_visitor* raw() const { return &raw_; }
  // Rethrows the first host exception a visitor call swallowed, if any.
  void rethrow_pending() const;
  // Leaves every scope the plugin entered but did not leave (a plugin that failed halfway).
  void close_open_scopes();

 private:
  static AbiVisitor& self(const tk_state_visitor* v);
  template <class Body>
  static tk_status guarded(const tk_state_visitor* v, Body&& body) noexcept;

  static tk_status enter(const tk_state_visitor* v, const char* key);
  static tk_status leave(const tk_state_visitor* v);
  static tk_status i64(const tk_state_visitor* v, const char* key, int64_t* value);
  static tk_status f64(const tk_state_visitor* v, const char* key, double* value);
  static tk_status boolean(const tk_state_visitor* v, const char* key, int32_t* value);
  static tk_status str(const tk_state_visitor* v, const char* key, char* buf, size_t* len);
  static tk_status bytes(const tk_state_visitor* v, const char* key, void* buf, size_t* len);
  static tk_status tensor(const tk_state_visitor* v, const char* key, const DLTensor* t);
  static tk_status tensor_info(const tk_state_visitor* v, const char* key, DLDataType* dtype, int32_t* ndim,
                               int64_t shape[TK_MAX_DIMS]);

  state::Visitor& visitor_;
  tk_state_visitor raw_{};
  int open_scopes_ = 0;
  std::exception_ptr pending_;
};

}  // namespace trainkit
