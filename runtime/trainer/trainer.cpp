#include "trainer/trainer.h"

#include <cmath>
#include <exception>

#include "core/error.h"
#include "trainer/signals.h"
#include "trainer/stop.h"

namespace trainkit {

Trainer::Trainer(const Manifest& manifest, std::vector<PlannedExtension> plan, HostServices& services,
                 std::unique_ptr<Session> session)
    : manifest_(manifest), services_(services), session_(std::move(session)) {
  iterations_per_epoch_ = session_->iterations_per_epoch();
  services_.attach(this);
  for (auto& p : plan) extensions_.push_back(std::make_unique<ExtensionInstance>(std::move(p), services_));
  stop_trigger_ = make_stop_trigger(manifest_.trainer);
  build_schedule();
}

Trainer::~Trainer() {
  extensions_.clear();  // destroy every instance while the backend is still attached
  services_.attach(nullptr);
}

void Trainer::build_schedule() {
  for (auto& ext : extensions_) {
    ExtensionInstance* e = ext.get();
    scheduler_.add(e->name(), e->priority(), make_trigger(e->planned().trigger), [this, e] { call_extension(*e); });
  }
  // Note [Interval summaries]: an instance that wants means sees every iteration's observation, added
  // right before its trigger is evaluated, so writers of higher priority are included (Chainer's
  // LogReport accumulates in its own call, which runs every iteration).
  scheduler_.set_before_trigger([this](size_t index) {
    ExtensionInstance& e = *extensions_[index];
    if (e.wants_summary()) e.summary().add(observation_);
  });
}

double Trainer::elapsed_time() const {
  if (!running_) return elapsed_before_run_;
  std::chrono::duration<double> d = std::chrono::steady_clock::now() - run_start_;
  return elapsed_before_run_ + d.count();
}

int64_t Trainer::max_iteration() const {
  auto last = stop_trigger_->max_iteration(static_cast<double>(iterations_per_epoch_));
  return last ? *last : -1;
}

TriggerContext Trainer::trigger_context() const {
  TriggerContext t{};
  t.iteration = iteration_;
  t.iterations_per_epoch = iterations_per_epoch_;
  t.epoch_detail = static_cast<double>(iteration_) / static_cast<double>(iterations_per_epoch_);
  t.previous_epoch_detail =
      iteration_ == 0 ? 0.0 : static_cast<double>(iteration_ - 1) / static_cast<double>(iterations_per_epoch_);
  t.elapsed_time = elapsed_time();
  t.observation = &observation_;
  t.warn = [](const std::string& message) { host_log(TK_LOG_WARNING, "", message); };
  return t;
}

tk_context Trainer::context_for(const ExtensionInstance* ext, bool in_iteration) {
  tk_context c{};
  c.struct_size = sizeof(tk_context);
  c.iteration = iteration_;
  c.epoch = iteration_ / iterations_per_epoch_;
  c.epoch_detail = static_cast<double>(iteration_) / static_cast<double>(iterations_per_epoch_);
  c.is_new_epoch = iteration_ > 0 && iteration_ % iterations_per_epoch_ == 0;
  c.state_restored = 0;
  c.iterations_per_epoch = iterations_per_epoch_;
  c.max_iteration = max_iteration();
  c.elapsed_time = elapsed_time();
  c.out_dir = manifest_.trainer.out.c_str();
  c.instance_name = ext ? ext->name().c_str() : "";
  observation_view_.reset(&observation_.items());
  c.observation = in_iteration ? observation_view_.raw() : nullptr;
  c.summary = nullptr;
  if (ext != nullptr && ext->wants_summary()) {
    summary_means_ = const_cast<ExtensionInstance*>(ext)->summary().means();
    summary_view_.reset(&summary_means_);
    c.summary = summary_view_.raw();
  }
  c.rank = 0;
  c.world_size = 1;
  return c;
}

void Trainer::call_extension(ExtensionInstance& ext) {
  tk_context ctx = context_for(&ext, true);
  ext.call(ctx);
  if (ext.wants_summary()) ext.summary().reset();
}

void Trainer::initialize_extensions() {
  for (size_t index : scheduler_.order()) {
    ExtensionInstance& e = *extensions_[index];
    if (scheduler_.trigger(index).finished()) continue;  // Chainer: skip finished triggers
    tk_context ctx = context_for(&e, false);
    e.initialize(ctx);
  }
}

void Trainer::run_iterations() {
  while (!(*stop_trigger_)(trigger_context())) {
    if (stop_requested()) return;
    observation_.clear();
    session_->step(observation_);
    ++iteration_;
    scheduler_.run_iteration(trigger_context());
  }
}

RunEnd Trainer::run() {
  run_start_ = std::chrono::steady_clock::now();
  running_ = true;
  SignalGuard signals;
  try {
    initialize_extensions();
    run_iterations();
  } catch (const std::exception& e) {
    handle_error(e.what());
    running_ = false;
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw TrainingError(e.what());
  }
  finalize_extensions();
  elapsed_before_run_ = elapsed_time();
  running_ = false;
  switch (stop_signal()) {
    case SIGINT: return RunEnd::kInterrupted;
    case SIGTERM: return RunEnd::kTerminated;
    default: return RunEnd::kCompleted;
  }
}

// Chainer's error path: on_error to every instance (their failures are reported, never replace the
// original error), then finalize to every instance.
void Trainer::handle_error(const std::string& what) {
  for (size_t index : scheduler_.order()) {
    tk_context ctx = context_for(extensions_[index].get(), false);
    std::string failure = extensions_[index]->on_error(ctx, what);
    if (!failure.empty()) host_log(TK_LOG_ERROR, "", failure);
  }
  for (size_t index : scheduler_.order()) {
    try {
      tk_context ctx = context_for(extensions_[index].get(), false);
      extensions_[index]->finalize(ctx);
    } catch (const std::exception& e) {
      host_log(TK_LOG_ERROR, "", e.what());
    }
  }
}

void Trainer::finalize_extensions() {
  for (size_t index : scheduler_.order()) {
    tk_context ctx = context_for(extensions_[index].get(), false);
    extensions_[index]->finalize(ctx);
  }
}

void Trainer::report(const std::string& key, double value) { observation_.report(key, value); }

void Trainer::evaluate(const std::string& split, const std::string& prefix) {
  session_->evaluate(split, prefix, observation_);
}

std::string Trainer::optimizer_name() const { return session_->optimizer_name(); }
size_t Trainer::param_group_count() const { return session_->param_group_count(); }
std::optional<double> Trainer::hyperparameter(size_t group, const std::string& name) const {
  return session_->hyperparameter(group, name);
}
bool Trainer::set_hyperparameter(size_t group, const std::string& name, double value) {
  return session_->set_hyperparameter(group, name, value);
}
size_t Trainer::parameter_count() const { return session_->parameter_count(); }
bool Trainer::parameter(size_t index, const char** name, DLTensor* out) { return session_->parameter(index, name, out); }
bool Trainer::gradient(size_t index, DLTensor* out) { return session_->gradient(index, out); }

}  // namespace trainkit
