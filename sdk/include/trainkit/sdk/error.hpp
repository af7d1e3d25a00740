// trainkit SDK: the exception plugin code throws, and its translation into a status at the ABI edge.
//
//   throw tk::Error(TK_ERR_INVALID, "n_retains must be >= -1, got ", n);
//
// Plugin code may throw anything; the trampolines in plugin.hpp catch every exception and hand the host a
// status plus message, so nothing ever unwinds into the host.
#pragma once

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../abi.h"

namespace tk {

// Use to fail a call with a specific status; any other exception becomes TK_ERR_INTERNAL.
class Error : public std::runtime_error {
 public:
  template <class... Parts>
  explicit Error(tk_status code, const Parts&... parts)
      : std::runtime_error(concat(parts...)), code_(code) {}
  tk_status code() const noexcept { return code_; }

  template <class... Parts>
  static std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
  }

 private:
  tk_status code_;
};

namespace detail {

inline tk_status fail(tk_error* err, tk_status code, const char* message) noexcept {
  if (err != nullptr && err->struct_size >= sizeof(tk_error)) {
    err->code = code;
    std::snprintf(err->message, sizeof err->message, "%s", message);
  }
  return code;
}

// Runs body and turns whatever it throws into a status; the one place plugin exceptions stop.
template <class Body>
tk_status guarded(tk_error* err, Body&& body) noexcept {
  try {
    body();
    return TK_OK;
  } catch (const Error& e) {
    return fail(err, e.code(), e.what());
  } catch (const std::exception& e) {
    return fail(err, TK_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(err, TK_ERR_INTERNAL, "unknown exception");
  }
}

// A status that is neither OK nor NOT_FOUND becomes an exception on the plugin side.
inline void check(tk_status status, const char* what) {
  if (status != TK_OK && status != TK_NOT_FOUND) throw Error(status, what, " failed (status ", status, ")");
}

}  // namespace detail
}  // namespace tk
