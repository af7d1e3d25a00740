#include "trainer/trainer.h"

#include <algorithm>
#include <exception>

#include "core/error.h"
#include "state/archive.h"
#include "torch/torch_format.h"
#include "trainer/signals.h"
#include "trainer/stop.h"

namespace trainkit {

Trainer::Trainer(const Manifest& manifest, std::vector<PlannedExtension> plan, HostServices& services,
                 std::unique_ptr<Session> session, ResumeRequest resume)
    : manifest_(manifest), services_(services), session_(std::move(session)), resume_(std::move(resume)) {
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

tk_context Trainer::context_for(ExtensionInstance* ext, bool in_iteration) {
  tk_context c{};
  c.struct_size = sizeof(tk_context);
  c.iteration = iteration_;
  c.epoch = iteration_ / iterations_per_epoch_;
  c.epoch_detail = static_cast<double>(iteration_) / static_cast<double>(iterations_per_epoch_);
  c.is_new_epoch = iteration_ > 0 && iteration_ % iterations_per_epoch_ == 0;
  c.state_restored = ext != nullptr && ext->state_restored();
  c.iterations_per_epoch = iterations_per_epoch_;
  c.max_iteration = max_iteration();
  c.elapsed_time = elapsed_time();
  c.out_dir = manifest_.trainer.out.c_str();
  c.instance_name = ext ? ext->name().c_str() : "";
  observation_view_.reset(&observation_.items());
  c.observation = in_iteration ? observation_view_.raw() : nullptr;
  c.summary = nullptr;
  if (ext != nullptr && ext->wants_summary()) {
    summary_means_ = ext->summary().means();
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

// Note [When the stop trigger is evaluated]: Chainer checks it at the top of the loop, after the
// snapshot of the previous iteration was taken, so a snapshot never holds the stop trigger's state of
// its own iteration and a resumed early stopping re-checks an observation that is gone. Here it is
// evaluated after every extension trigger of the iteration and before snapshot-priority extensions
// run, and whether it fired is saved with it.
void Trainer::run_iterations() {
  if (resumed_from_.empty()) stop_fired_ = (*stop_trigger_)(trigger_context());  // before the first update
  while (!stop_fired_) {
    if (stop_requested()) {
      call_on_stop();
      return;
    }
    observation_.clear();
    session_->step(observation_);
    ++iteration_;
    scheduler_.run_iteration(trigger_context(), [this] { stop_fired_ = (*stop_trigger_)(trigger_context()); });
  }
}

RunEnd Trainer::run() {
  SignalGuard signals;
  resume_if_asked();  // Note [State before initialize]: every part restored before any initialize
  run_start_ = std::chrono::steady_clock::now();
  running_ = true;
  try {
    initialize_extensions();
    run_iterations();
  } catch (const std::exception& e) {
    handle_error(e.what());
    running_ = false;
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw TrainingError(e.what());
  }
  finalize_extensions(/*already_failing=*/false);
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
  finalize_extensions(/*already_failing=*/true);
}

// Every instance is finalized even when some fail. The first failure becomes the run's error unless
// the run is already failing; every other failure is reported.
void Trainer::finalize_extensions(bool already_failing) {
  std::exception_ptr first;
  for (size_t index : scheduler_.order()) {
    try {
      tk_context ctx = context_for(extensions_[index].get(), false);
      extensions_[index]->finalize(ctx);
    } catch (const std::exception& e) {
      if (!first && !already_failing)
        first = std::current_exception();
      else
        host_log(TK_LOG_ERROR, "", e.what());
    }
  }
  if (first) std::rethrow_exception(first);
}


std::vector<ExtensionSlot> Trainer::slots() {
  std::vector<ExtensionSlot> all;
  for (size_t i = 0; i < extensions_.size(); ++i) all.push_back({extensions_[i].get(), &scheduler_.trigger(i)});
  return all;
}

// A stopped run (SIGINT/SIGTERM) gives the instances that ask for it one more call, e.g. the snapshot
// extension's final snapshot, unless they already ran at this iteration.
void Trainer::call_on_stop() {
  for (size_t index : scheduler_.order()) {
    ExtensionInstance& e = *extensions_[index];
    if (e.call_on_stop() && e.last_called_iteration() != iteration_) call_extension(e);
  }
}

// Note [State before initialize]: Chainer restores a snapshot inside the snapshot extension's
// initialize, after other extensions (an LR shift) already initialized from defaults. Here the host
// restores everything first, then initializes, so initialize sees the restored state.
void Trainer::resume_if_asked() {
  std::string path = resume_.path;
  if (path.empty()) {
    for (size_t index : scheduler_.order()) {
      ExtensionInstance& e = *extensions_[index];
      tk_context ctx = context_for(&e, false);
      if (auto found = e.find_resume_point(ctx, resume_.requested)) {
        path = *found;
        break;
      }
    }
  }
  if (path.empty()) {
    if (resume_.requested) host_log(TK_LOG_INFO, "", "no snapshot to resume from; starting from scratch");
    init_model_if_asked();
    return;
  }
  std::string format;
  state::MemoryTree tree;
  try {
    tree = read_snapshot_file(path, &format);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot resume from ", path, ": ", e.what()));
  }
  load_state(tree, path);
  host_log(TK_LOG_INFO, "", str_cat("resumed from ", path, " (", format, ") at iteration ", iteration_));
}

// Fine-tuning: a fresh run (not a resume, whose snapshot already holds the weights) starts from the
// model weights of trainer.init_from / --init-from.
void Trainer::init_model_if_asked() {
  const std::string& path = manifest_.trainer.init_from;
  if (path.empty()) return;
  state::MemoryTree tree;
  try {
    tree = read_snapshot_file(path);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what()));
  }
  auto first_model = tree.leaves.lower_bound("model/");
  TK_CHECK(first_model != tree.leaves.end() && first_model->first.rfind("model/", 0) == 0,
           ResumeError, "cannot initialise the model from ", path, ": it holds no model weights");
  std::string account;
  try {
    account = session_->init_model_from(tree, manifest_.trainer.init_strict);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what(),
                              manifest_.trainer.init_strict ? " (trainer.init_strict = false loads what fits)" : ""));
  }
  host_log(TK_LOG_INFO, "", str_cat("model initialised from ", path, ": ", account));
}

std::string Trainer::stop_spec_text() const {
  std::string text = describe(manifest_.trainer.stop);
  const EarlyStopSpec& es = manifest_.trainer.early_stop;
  if (es.enabled)
    text += str_cat(" or no ", es.maximize ? "increase" : "decrease", " of ", es.monitor, " in ", es.patience,
                    " checks every ", describe(es.check));
  return text;
}

void Trainer::save_state(state::Visitor& v, const std::string& target) {
  v.scope("meta", [&] {
    std::string version = TRAINKIT_VERSION, text = manifest_.text, t = target, plugins;
    for (const auto& ext : extensions_)
      plugins += str_cat(ext->name(), " ", ext->planned().plugin->id, " ", ext->planned().plugin->version, "\n");
    v.value("trainkit_version", version);
    v.value("target", t);
    v.value("manifest", text);
    v.value("extensions", plugins);
  });
  const StateParts parts = parse_target(target);
  if (parts.counters)
    v.scope("trainer", [&] {
      double elapsed = elapsed_time();
      std::string stop_spec = stop_spec_text();
      v.value("iteration", iteration_);
      v.value("elapsed_time", elapsed);
      v.value("stop_fired", stop_fired_);
      v.value("stop_spec", stop_spec);
      v.scope("stop_trigger", [&] { stop_trigger_->visit(v); });
    });
  session_->visit_parts(v, SessionParts{parts.model, parts.optimizer, parts.updater});
  if (!parts.extensions) return;
  for (const ExtensionSlot& slot : slots()) save_extension(v, slot);
  state::replay(carried_, v);  // carried_ holds only extensions/<name>/ subtrees
}

void Trainer::load_state(const state::MemoryTree& tree, const std::string& snapshot_path) {
  const std::string* target = state::find_leaf<std::string>(tree, "meta/target");
  TK_CHECK(target == nullptr || *target == "trainer", ResumeError,
           "cannot resume from ", snapshot_path,
           ": it holds only part of the training state (target = \"", *target,
           "\"); resume needs a target = \"trainer\" snapshot (use --init-from to start from its weights)");
  std::vector<ExtensionSlot> all = slots();
  check_resume_compatible(tree, all, snapshot_path);

  state::MemoryLoader loader(tree);
  loader.scope("trainer", [&] {
    TK_CHECK(loader.value("iteration", iteration_), ResumeError, snapshot_path, " has no trainer/iteration");
    loader.value("elapsed_time", elapsed_before_run_);
    loader.scope("stop_trigger", [&] { stop_trigger_->visit(loader); });
    // A run that had ended stays ended when resumed with the same stop (ppe: a second identical run
    // trains 0 epochs); a changed stop (--set trainer.stop=...) is a request to go on.
    bool fired = false;
    std::string saved_spec;
    loader.value("stop_fired", fired);
    loader.value("stop_spec", saved_spec);
    stop_fired_ = fired && saved_spec == stop_spec_text();
  });
  session_->visit(loader);
  for (const ExtensionSlot& slot : all) {
    bool restored = load_extension(tree, loader, slot);
    slot.instance->set_state_restored(restored);
    if (!restored) host_log(TK_LOG_INFO, slot.instance->name(), "no saved state in the snapshot; starting fresh");
  }
  // Note [Resume across plugin sets]: keep what belongs to instances that are not loaded now.
  carried_ = state::MemoryTree{};
  for (const std::string& name : saved_extension_names(tree)) {
    bool loaded = std::any_of(extensions_.begin(), extensions_.end(), [&](const auto& e) { return e->name() == name; });
    if (loaded) continue;
    state::graft(carried_, tree, "extensions/" + name + "/");
    host_log(TK_LOG_INFO, "", str_cat("snapshot holds state for \"", name, "\", which is not in this run; kept unchanged"));
  }
  resumed_from_ = snapshot_path;
}

tk_snapshot* Trainer::capture_snapshot(const std::string& target, const std::string& format) {
  check_snapshot_request(target, format);
  auto snapshot = std::make_unique<tk_snapshot>();
  snapshot->format = format;
  {
    state::MemorySaver saver(snapshot->tree);
    save_state(saver, target);
  }
  if (format == "torch") {
    snapshot->encoded = encode_torch(snapshot->tree);
    snapshot->tree = state::MemoryTree{};
  }
  return snapshot.release();
}

void Trainer::write_snapshot_now(const std::string& target, const std::string& format, const std::string& path) {
  check_snapshot_request(target, format);
  if (format == "torch") {
    std::unique_ptr<tk_snapshot> snapshot(capture_snapshot(target, format));
    write_captured(*snapshot, path);
    return;
  }
  state::ArchiveWriter writer(path);
  state::ArchiveSaver saver(writer);
  save_state(saver, target);
  writer.commit();
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
