#include "trainer/extension_instance.h"

#include <cstddef>
#include <vector>

#include "core/error.h"
#include "plugin/call.h"
#include "state/abi_visitor.h"

namespace trainkit {

ExtensionInstance::ExtensionInstance(PlannedExtension planned, HostServices& services)
    : planned_(std::move(planned)), host_(services, planned_.name) {
  tk_error err = make_error_buffer();
  tk_status s = planned_.cls->create(planned_.cls, planned_.options->view(), host_.host(), &instance_, &err);
  if (s == TK_OK && instance_ == nullptr) s = TK_ERR_INTERNAL;  // "created" nothing: no message to show
  // A create failure is the plugin rejecting its options: a configuration error, nothing trained.
  throw_unless_ok<ConfigError>(s, err, what_failed("create"));
}

ExtensionInstance::~ExtensionInstance() {
  if (instance_ != nullptr && planned_.cls->destroy != nullptr) planned_.cls->destroy(instance_);
}

std::string ExtensionInstance::what_failed(const char* call) const {
  return str_cat("extension \"", planned_.name, "\" (", planned_.cls->name, " from ", planned_.plugin->id, " ",
                 planned_.plugin->version, ") failed in ", call);
}

void ExtensionInstance::check(tk_status status, const tk_error& err, const char* call) const {
  throw_unless_ok<TrainingError>(status, err, what_failed(call));
}

void ExtensionInstance::initialize(const tk_context& ctx) {
  if (planned_.cls->initialize == nullptr) return;
  tk_error err = make_error_buffer();
  check(planned_.cls->initialize(instance_, &ctx, &err), err, "initialize");
}

void ExtensionInstance::call(const tk_context& ctx) {
  tk_error err = make_error_buffer();
  last_called_iteration_ = ctx.iteration;
  check(planned_.cls->call(instance_, &ctx, &err), err, "call");
}

std::optional<std::string> ExtensionInstance::find_resume_point(const tk_context& ctx, bool requested) {
  if (planned_.cls->struct_size < offsetof(tk_extension_class, find_resume_point) + sizeof(void*) ||
      planned_.cls->find_resume_point == nullptr)
    return std::nullopt;
  tk_error err = make_error_buffer();
  std::vector<char> path(4096, '\0');
  tk_status s = planned_.cls->find_resume_point(instance_, &ctx, requested ? 1 : 0, path.data(), path.size(), &err);
  if (s == TK_NOT_FOUND) return std::nullopt;
  throw_unless_ok<ResumeError>(s, err, what_failed("find_resume_point"));
  path.back() = '\0';
  return std::string(path.data());
}

void ExtensionInstance::visit_state(state::Visitor& v, uint32_t saved_version) {
  if (!stateful()) return;
  tk_error err = make_error_buffer();
  AbiVisitor abi(v, saved_version);
  tk_status s = planned_.cls->visit_state(instance_, abi.raw(), &err);
  abi.close_open_scopes();
  abi.rethrow_pending();  // a host-side problem (shape mismatch, ...) says more than the plugin's status
  if (v.loading())
    throw_unless_ok<ResumeError>(s, err, what_failed("visit_state (load)"));
  else
    throw_unless_ok<TrainingError>(s, err, what_failed("visit_state (save)"));
}

void ExtensionInstance::finalize(const tk_context& ctx) {
  if (planned_.cls->finalize == nullptr) return;
  tk_error err = make_error_buffer();
  check(planned_.cls->finalize(instance_, &ctx, &err), err, "finalize");
}

std::string ExtensionInstance::on_error(const tk_context& ctx, const std::string& what) noexcept {
  if (planned_.cls->on_error == nullptr) return "";
  tk_error err = make_error_buffer();
  tk_status s = planned_.cls->on_error(instance_, &ctx, what.c_str(), &err);
  if (s == TK_OK) return "";
  try {
    return str_cat(what_failed("on_error"), ": ", failure_text(s, err));
  } catch (...) {
    return "an extension failed in on_error";  // out of memory while describing it
  }
}

}  // namespace trainkit
