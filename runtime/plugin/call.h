// trainkit plugins: the host side of the ABI's error convention (status + host-owned message buffer).
//
//   tk_error err = make_error_buffer();
//   check_call(cls->call(instance, &ctx, &err), err, plugin.id, "snapshot", "call");
//   // throws TrainingError: extension "snapshot" (org.trainkit.snapshot) failed in call: disk full
//
// This and the SDK's guarded() are the only two places where a status becomes an exception or back.
#pragma once

#include <cstring>
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

// The plugin's message, even if it forgot the terminating NUL (the buffer is ours, the bytes are not).
inline std::string error_message(const tk_error& err) {
  return std::string(err.message, strnlen(err.message, sizeof err.message));
}

// Throws TrainingError naming the instance, its plugin and the call when status is an error. TK_OK and
// TK_NOT_FOUND (a lookup that found nothing) are not errors and return normally.
inline void check_call(tk_status status, const tk_error& err, const std::string& plugin_id,
                       const std::string& instance, const char* call) {
  if (status >= TK_OK) return;
  std::string message = error_message(err);
  if (message.empty()) message = str_cat("status ", status, " (", status_name(status), ") without a message");
  throw TrainingError(str_cat("extension \"", instance, "\" (", plugin_id, ") failed in ", call, ": ", message));
}

}  // namespace trainkit
