// TestContext and Instance: each step of an extension's life through its C ABI.
#include <stdexcept>

#include "instance_config.h"
#include "plugin_host.h"

namespace tk_test {

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
  c.world_size = world_size;
  return c;
}

namespace {

using Result = std::pair<tk_status, std::string>;

void check(const Result& r, const std::string& what) {
  if (r.first != TK_OK)
    throw std::runtime_error(what + " failed (status " + std::to_string(r.first) + "): " + r.second);
}

// Runs one ABI step with a fresh tk_error; the message only on failure.
template <class Step>
Result attempt(Step&& step) {
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = step(&err);
  return {s, s == TK_OK ? "" : err.message};
}

}  // namespace

Instance::Instance(const Plugin& plugin, const FakeHost& host, const std::string& class_name, const Options& options,
                   std::string instance_name, std::string out_dir)
    : cls_(&plugin.cls(class_name)), name_(instance_name.empty() ? class_name : std::move(instance_name)),
      config_(new ConfigData(*cls_, options, name_, std::move(out_dir))) {
  Result r = attempt([&](tk_error* err) { return cls_->create(cls_, &config_->raw, host.raw(), &self_, err); });
  if (r.first != TK_OK) {
    delete config_;
    check(r, "create");
  }
}

Instance::~Instance() {
  cls_->destroy(self_);
  delete config_;
}

Result Instance::try_create(const Plugin& plugin, const FakeHost& host, const std::string& class_name,
                            const Options& options) {
  const tk_extension_class& cls = plugin.cls(class_name);
  ConfigData config(cls, options, class_name, "/nonexistent");
  void* self = nullptr;
  Result r = attempt([&](tk_error* err) { return cls.create(&cls, &config.raw, host.raw(), &self, err); });
  if (r.first == TK_OK) cls.destroy(self);
  return r;
}

Result Instance::try_initialize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  return attempt([&](tk_error* err) { return cls_->initialize(self_, &c, err); });
}

Result Instance::try_call(const TestContext& ctx) {
  tk_context c = ctx.make(name_, true);
  return attempt([&](tk_error* err) { return cls_->call(self_, &c, err); });
}

Result Instance::try_finalize(const TestContext& ctx) {
  tk_context c = ctx.make(name_, false);
  return attempt([&](tk_error* err) { return cls_->finalize(self_, &c, err); });
}

Result Instance::try_load(MemoryState& state, uint32_t saved_version) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_LOAD, saved_version);
  return attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); });
}

void Instance::initialize(const TestContext& ctx) { check(try_initialize(ctx), "initialize"); }
void Instance::call(const TestContext& ctx) { check(try_call(ctx), "call"); }
void Instance::finalize(const TestContext& ctx) { check(try_finalize(ctx), "finalize"); }
void Instance::load(MemoryState& state, uint32_t saved_version) {
  check(try_load(state, saved_version), "visit_state(load)");
}

void Instance::on_error(const TestContext& ctx, const std::string& what) {
  tk_context c = ctx.make(name_, true);
  check(attempt([&](tk_error* err) { return cls_->on_error(self_, &c, what.c_str(), err); }), "on_error");
}

void Instance::save(MemoryState& state) {
  if (cls_->visit_state == nullptr) throw std::runtime_error(name_ + " is stateless");
  tk_state_visitor v = state.visitor(TK_VISIT_SAVE, cls_->state_version);
  check(attempt([&](tk_error* err) { return cls_->visit_state(self_, &v, err); }), "visit_state(save)");
}

std::string Instance::find_resume_point(const TestContext& ctx, bool requested) {
  if (cls_->find_resume_point == nullptr) return "";
  tk_context c = ctx.make(name_, false);
  char path[4096] = {0};
  Result r = attempt([&](tk_error* err) {
    return cls_->find_resume_point(self_, &c, requested ? 1 : 0, path, sizeof path, err);
  });
  if (r.first == TK_NOT_FOUND) return "";
  check(r, "find_resume_point");
  return path;
}

}  // namespace tk_test
