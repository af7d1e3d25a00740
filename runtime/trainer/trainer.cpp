#include "trainer/trainer.h"

#include <csignal>
#include <exception>
#include <optional>

#include "core/error.h"
#include "distributed/all_or_none.h"
#include "distributed/step_folder.h"
#include "trainer/init_from.h"
#include "trainer/signals.h"

namespace trainkit {

Trainer::Trainer(const Manifest& manifest, std::vector<PlannedExtension> plan, HostServices& services,
                 std::unique_ptr<Session> session, ResumeRequest resume, distributed::Communicator* comm)
    : manifest_(manifest),
      services_(services),
      session_(std::move(session)),
      progress_(manifest.trainer, session_->iterations_per_epoch()),
      resume_(std::move(resume)),
      comm_(comm) {
  if (comm_) sync_.emplace(*comm_);
  services_.attach(RunServices{session_.get(), &observation_, nullptr, comm_});  // plugins may ask in create
  for (auto& p : plan) extensions_.push_back(std::make_unique<ExtensionInstance>(std::move(p), services_));
  build_schedule();
  std::vector<ExtensionSlot> slots;
  for (size_t i = 0; i < extensions_.size(); ++i) slots.push_back({extensions_[i].get(), &scheduler_.trigger(i)});
  run_state_ = std::make_unique<RunState>(manifest_, progress_, *session_, std::move(slots), comm_ ? comm_->world_size() : 1);
  snapshot_maker_ = std::make_unique<SnapshotMaker>(*run_state_);
  services_.attach(RunServices{session_.get(), &observation_, snapshot_maker_.get(), comm_});
}

Trainer::~Trainer() {
  extensions_.clear();  // destroy every instance while the run is still attached
  services_.detach();
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

std::vector<ExtensionInstance*> Trainer::in_priority_order() {
  std::vector<ExtensionInstance*> ordered;
  for (size_t index : scheduler_.order()) ordered.push_back(extensions_[index].get());
  return ordered;
}

tk_context Trainer::context_for(ExtensionInstance* ext, bool in_iteration) {
  tk_context c{};
  c.struct_size = sizeof(tk_context);
  c.iteration = progress_.iteration();
  c.epoch = progress_.epoch();
  c.epoch_detail = progress_.epoch_detail();
  c.is_new_epoch = progress_.is_new_epoch();
  c.state_restored = ext != nullptr && ext->state_restored();
  c.iterations_per_epoch = progress_.iterations_per_epoch();
  c.max_iteration = progress_.max_iteration();
  c.elapsed_time = progress_.elapsed_time();
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
  c.rank = comm_ ? comm_->rank() : 0;
  c.world_size = comm_ ? comm_->world_size() : 1;
  return c;
}

void Trainer::call_extension(ExtensionInstance& ext) {
  tk_context ctx = context_for(&ext, true);
  ext.call(ctx);
  if (ext.wants_summary()) ext.summary().reset();
}

// Note [State before initialize] (resume.h): every part is restored before any initialize.
void Trainer::start() {
  std::string path = choose_resume_source(resume_, in_priority_order(),
                                          [this](ExtensionInstance& e) { return context_for(&e, false); });
  if (!path.empty()) path = distributed::part_to_load(path, comm_ ? comm_->rank() : 0);  // a sharded step folder
  if (!path.empty()) {
    std::string format = resume_from(path, *run_state_);
    resumed_from_ = path;
    host_log(TK_LOG_INFO, "", str_cat("resumed from ", path, " (", format, ") at iteration ", progress_.iteration()));
    return;
  }
  if (resume_.requested) host_log(TK_LOG_INFO, "", "no snapshot to resume from; starting from scratch");
  if (!manifest_.trainer.init_from.empty())
    init_model_from(manifest_.trainer, *session_);
}

// Note [Ranks start together]: every rank resumes from the same iteration or none trains. A rank that
// cannot load its snapshot still meets the others, so they all stop with its refusal's exit code instead
// of waiting for it in the first update.
void Trainer::start_together() {
  distributed::all_or_none(*comm_, "resume", [this] { start(); });
  std::vector<double> lowest{static_cast<double>(progress_.iteration())}, highest = lowest;
  comm_->all_reduce(lowest, distributed::Communicator::Op::kMin);
  comm_->all_reduce(highest, distributed::Communicator::Op::kMax);
  TK_CHECK(lowest[0] == highest[0], ResumeError, "the ranks resumed from different iterations (", lowest[0], " to ",
           highest[0], "): every rank must load the same step (--resume PATH must name the same snapshot on every rank)");
}

void Trainer::initialize_extensions() {
  for (size_t index : scheduler_.order()) {
    ExtensionInstance& e = *extensions_[index];
    if (scheduler_.trigger(index).finished()) continue;  // Chainer: skip finished triggers
    e.initialize(context_for(&e, false));
  }
}

// Note [When the stop trigger is evaluated] (progress.h).
void Trainer::run_iterations() {
  if (resumed_from_.empty()) progress_.evaluate_stop(progress_.trigger_context(&observation_));  // before any update
  while (!progress_.stop_fired()) {
    if (stop_cause() != 0) {
      acknowledge_stop();
      call_on_stop();
      return;
    }
    note_iteration(progress_.iteration());
    observation_.clear();
    session_->step(observation_);
    if (sync_) {  // Note [One agreement per iteration]
      distributed::Agreement agreed = sync_->after_step(observation_, stop_signal(), progress_.own_elapsed_time());
      progress_.share_time(agreed.elapsed_time);
      agreed_signal_ = agreed.signal;
    }
    progress_.advance();
    scheduler_.run_iteration(progress_.trigger_context(&observation_),
                             [this] { progress_.evaluate_stop(progress_.trigger_context(&observation_)); });
  }
}

// The signal that stops the run: this process's, or in a distributed run the one the ranks agreed on.
int Trainer::stop_cause() const { return comm_ ? agreed_signal_ : (stop_requested() ? stop_signal() : 0); }

// Note [Stopping on a signal] (signals.h): until the loop starts, a signal ends the process at once; from
// the first iteration to the last finalize it is taken between iterations.
RunEnd Trainer::run() {
  if (comm_) start_together();
  else start();
  progress_.start_clock();
  std::optional<DeferredStop> deferred;
  try {
    initialize_extensions();
    deferred.emplace();
    run_iterations();
  } catch (const std::exception& e) {
    handle_error(e.what());
    progress_.stop_clock();
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw TrainingError(e.what());
  }
  finalize_extensions(/*already_failing=*/false);
  progress_.stop_clock();
  switch (stop_cause()) {
    case SIGINT: return RunEnd::kInterrupted;
    case SIGTERM: return RunEnd::kTerminated;
    default: return RunEnd::kCompleted;
  }
}

// Only informs the stop message: a failure to find one never changes how the stopped run ends.
std::string Trainer::snapshot_left_by_stop() {
  for (ExtensionInstance* e : in_priority_order()) {
    if (!e->call_on_stop()) continue;
    try {
      if (auto found = e->find_resume_point(context_for(e, false), /*requested=*/true)) return *found;
    } catch (const std::exception& error) {
      host_log(TK_LOG_WARNING, e->name(), error.what());
    }
  }
  return "";
}

// Chainer's error path: on_error to every instance (their failures are reported, never replace the
// original error), then finalize to every instance.
void Trainer::handle_error(const std::string& what) {
  if (comm_) comm_->abandon(what);  // the other ranks name this one, and no collective here waits for them
  for (ExtensionInstance* e : in_priority_order()) {
    std::string failure = e->on_error(context_for(e, false), what);
    if (!failure.empty()) host_log(TK_LOG_ERROR, "", failure);
  }
  finalize_extensions(/*already_failing=*/true);
}

// Every instance is finalized even when some fail. The first failure becomes the run's error unless
// the run is already failing; every other failure is reported.
void Trainer::finalize_extensions(bool already_failing) {
  std::exception_ptr first;
  for (ExtensionInstance* e : in_priority_order()) {
    try {
      e->finalize(context_for(e, false));
    } catch (const std::exception& error) {
      if (!first && !already_failing)
        first = std::current_exception();
      else
        host_log(TK_LOG_ERROR, "", error.what());
    }
  }
  if (first) std::rethrow_exception(first);
}

// A stopped run (SIGINT/SIGTERM) gives the instances that ask for it one more call, e.g. the snapshot
// extension's final snapshot, unless they already ran at this iteration.
void Trainer::call_on_stop() {
  for (ExtensionInstance* e : in_priority_order())
    if (e->call_on_stop() && e->last_called_iteration() != progress_.iteration()) call_extension(*e);
}

}  // namespace trainkit
