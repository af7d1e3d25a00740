// trainkit plugins: the host side of the ABI's error convention (a status plus a host-owned message
// buffer), in both directions. The SDK's guarded() is the plugin side; nothing else converts.
//
//   tk_error err = make_error_buffer();                     // host → plugin call
//   throw_unless_ok<TrainingError>(cls->call(instance, &ctx, &err), err, "extension \"log\" failed in call");
//   // TrainingError: extension "log" failed in call: disk full
//
//   return guarded(err, TK_ERR_IO, [&] { write(path); });   // plugin → host service: no exception leaves
//
// Note [TK_NOT_FOUND is an answer, not a failure, only where a call's contract names it]: lookups
// (find_resume_point, config getters, hyperparameters, gradients) answer TK_NOT_FOUND and the caller
// tests for it before converting; from any other call (create, initialize, call, finalize, ...) it is a
// failure like any other non-TK_OK status, and throw_unless_ok treats it so.
#pragma once

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "core/error.h"
#include "trainkit/abi.h"

namespace trainkit {

// Use for every call into a plugin: a zeroed buffer whose struct_size tells the plugin how much it may write.
inline tk_error make_error_buffer() noexcept {
  tk_error err{};
  err.struct_size = sizeof(tk_error);
  err.code = TK_OK;
  return err;
}

// The TK_* name of a status, for messages when a plugin failed without saying why.
inline const char* status_name(tk_status status) noexcept {
  switch (status) {
    case TK_OK: return "TK_OK";
    case TK_NOT_FOUND: return "TK_NOT_FOUND";
    case TK_ERR_INVALID: return "TK_ERR_INVALID";
    case TK_ERR_STATE_VERSION: return "TK_ERR_STATE_VERSION";
    case TK_ERR_IO: return "TK_ERR_IO";
    case TK_ERR_INTERNAL: return "TK_ERR_INTERNAL";
    case TK_ERR_STOP: return "TK_ERR_STOP";
    default: return "unknown status";
  }
}

// Why a plugin call failed, in its own words: the message it wrote (read at most to the end of the
// buffer, which is ours, though the bytes are not), or the status when it wrote none.
inline std::string failure_text(tk_status status, const tk_error& err) {
  std::string message(err.message, strnlen(err.message, sizeof err.message));
  if (message.empty()) message = str_cat("status ", status, " (", status_name(status), ") without a message");
  return message;
}

// Status → exception: throws E("<what_failed>: <failure_text>") unless status is TK_OK.
template <class E>
void throw_unless_ok(tk_status status, const tk_error& err, const std::string& what_failed) {
  if (status != TK_OK) throw E(str_cat(what_failed, ": ", failure_text(status, err)));
}

// Exception → status, for a service a plugin calls: fills the plugin's buffer (if it declared one big
// enough) and returns code.
inline tk_status fail_with(tk_error* err, tk_status code, const char* what) noexcept {
  if (err != nullptr && err->struct_size >= sizeof(tk_error)) {
    err->code = code;
    std::snprintf(err->message, sizeof err->message, "%s", what);
  }
  return code;
}

// Runs body; an exception becomes `failure` (TK_ERR_INTERNAL for a non-std exception) with its message.
template <class Body>
tk_status guarded(tk_error* err, tk_status failure, Body&& body) noexcept {
  try {
    body();
    return TK_OK;
  } catch (const std::exception& e) {
    return fail_with(err, failure, e.what());
  } catch (...) {
    return fail_with(err, TK_ERR_INTERNAL, "unknown exception");
  }
}

}  // namespace trainkit
