#include "trainer/extension_instance.h"

#include <cstddef>
#include <vector>

#include "core/error.h"
#include "plugin/call.h"
#include "trainer/abi_visitor.h"

namespace trainkit {
namespace {

// Marks which instance runs plugin code now, for log lines, and clears it when the call returns.
class CurrentInstance {
 public:
  CurrentInstance(HostServices& s, const std::string& name) : s_(s) { s_.set_current_instance(name); }
  ~CurrentInstance() { s_.set_current_instance(""); }

 private:
  HostServices& s_;
};

}  // namespace

ExtensionInstance::ExtensionInstance(PlannedExtension planned, HostServices& services)
    : planned_(std::move(planned)), services_(services) {
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  tk_status s = planned_.cls->create(planned_.cls, planned_.options->view(), services_.host(), &instance_, &err);
  // A create failure is the plugin rejecting its options: a configuration error, nothing trained.
  TK_CHECK(s == TK_OK && instance_ != nullptr, ConfigError, describe_failure(s, err, "create"));
}

ExtensionInstance::~ExtensionInstance() {
  if (instance_ != nullptr && planned_.cls->destroy != nullptr) {
    CurrentInstance current(services_, planned_.name);
    planned_.cls->destroy(instance_);
  }
}

std::string ExtensionInstance::describe_failure(tk_status status, const tk_error& err, const char* call) const {
  // The plugin owns the bytes of the message, not the buffer: read at most its size.
  std::string message = error_message(err);
  if (message.empty()) message = str_cat("status ", status, " (", status_name(status), ") without a message");
  return str_cat("extension \"", planned_.name, "\" (", planned_.cls->name, " from ", planned_.plugin->id, " ",
                 planned_.plugin->version, ") failed in ", call, ": ", message);
}

void ExtensionInstance::check(tk_status status, const tk_error& err, const char* call) const {
  if (status != TK_OK) throw TrainingError(describe_failure(status, err, call));
}

void ExtensionInstance::initialize(const tk_context& ctx) {
  if (planned_.cls->initialize == nullptr) return;
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  check(planned_.cls->initialize(instance_, &ctx, &err), err, "initialize");
}

void ExtensionInstance::call(const tk_context& ctx) {
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  last_called_iteration_ = ctx.iteration;
  check(planned_.cls->call(instance_, &ctx, &err), err, "call");
}

std::optional<std::string> ExtensionInstance::find_resume_point(const tk_context& ctx, bool requested) {
  if (planned_.cls->struct_size < offsetof(tk_extension_class, find_resume_point) + sizeof(void*) ||
      planned_.cls->find_resume_point == nullptr)
    return std::nullopt;
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  std::vector<char> path(4096, '\0');
  tk_status s = planned_.cls->find_resume_point(instance_, &ctx, requested ? 1 : 0, path.data(), path.size(), &err);
  if (s == TK_NOT_FOUND) return std::nullopt;
  if (s != TK_OK) throw ResumeError(describe_failure(s, err, "find_resume_point"));
  path.back() = '\0';
  return std::string(path.data());
}

void ExtensionInstance::visit_state(state::Visitor& v, uint32_t saved_version) {
  if (!stateful()) return;
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  AbiVisitor abi(v, saved_version);
  tk_status s = planned_.cls->visit_state(instance_, abi.raw(), &err);
  abi.close_open_scopes();
  abi.rethrow_pending();  // a host-side problem (shape mismatch, ...) says more than the plugin's status
  if (s != TK_OK) {
    const std::string message = describe_failure(s, err, v.saving() ? "visit_state (save)" : "visit_state (load)");
    if (v.loading()) throw ResumeError(message);
    throw TrainingError(message);
  }
}

void ExtensionInstance::finalize(const tk_context& ctx) {
  if (planned_.cls->finalize == nullptr) return;
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  check(planned_.cls->finalize(instance_, &ctx, &err), err, "finalize");
}

std::string ExtensionInstance::on_error(const tk_context& ctx, const std::string& what) noexcept {
  if (planned_.cls->on_error == nullptr) return "";
  tk_error err = make_error_buffer();
  CurrentInstance current(services_, planned_.name);
  tk_status s = planned_.cls->on_error(instance_, &ctx, what.c_str(), &err);
  return s == TK_OK ? "" : describe_failure(s, err, "on_error");
}

}  // namespace trainkit
