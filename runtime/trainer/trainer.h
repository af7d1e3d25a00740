// trainkit trainer: the loop and its error path. A small host owns time; extensions own behaviour.
//
//   Trainer trainer(manifest, std::move(plan), services, make_session(manifest), resume);
//   trainer.run();     // TrainingError when a step or an extension fails; returns how the run ended
//
// In a distributed run (a Communicator given) every rank runs this same loop: the ranks agree after each
// update (Note [One agreement per iteration], distributed/iteration_sync.h) and start from the same point
// (Note [Ranks start together], trainer.cpp), so every trigger fires on every rank alike.
//
// Each iteration: clear the observation, one update, then every extension whose trigger fires, in
// descending priority (Chainer), snapshot-priority ones after all triggers were evaluated (ppe).
// Where the state lives is run_state.h, how a run starts resume.h and init_from.h, what the snapshot
// service does snapshot_maker.h; the trainer only calls them in order.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "distributed/iteration_sync.h"
#include "manifest/manifest.h"
#include "scheduler/scheduler.h"
#include "torch/session.h"
#include "trainer/extension_instance.h"
#include "trainer/host_services.h"
#include "trainer/plan.h"
#include "trainer/progress.h"
#include "trainer/resume.h"
#include "trainer/run_state.h"
#include "trainer/scalar_view.h"
#include "trainer/snapshot_maker.h"
#include "trigger/observation.h"

namespace trainkit {

enum class RunEnd { kCompleted, kInterrupted, kTerminated };

// Use once per process run: construct, run, destroy.
class Trainer final {
 public:
  // `comm`: the job's ranks in a distributed run (outlives the trainer), null for a run of one process.
  Trainer(const Manifest& manifest, std::vector<PlannedExtension> plan, HostServices& services,
          std::unique_ptr<Session> session, ResumeRequest resume = {}, distributed::Communicator* comm = nullptr);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  RunEnd run();
  // After a run stopped by a signal: the snapshot `--resume` would continue from, as the instances called
  // on a stop (the snapshot extension) find it; "" when there is none.
  std::string snapshot_left_by_stop();

  int64_t iteration() const { return progress_.iteration(); }
  double elapsed_time() const { return progress_.elapsed_time(); }
  // The snapshot the run resumed from, or "" when it started from scratch.
  const std::string& resumed_from() const { return resumed_from_; }
  // The whole state: what snapshots save and resumes load.
  RunState& state() { return *run_state_; }

 private:
  void build_schedule();
  void start();
  void start_together();
  int stop_cause() const;
  void initialize_extensions();
  void run_iterations();
  void call_on_stop();
  void handle_error(const std::string& what);
  void finalize_extensions(bool already_failing);
  void call_extension(ExtensionInstance& ext);
  std::vector<ExtensionInstance*> in_priority_order();
  tk_context context_for(ExtensionInstance* ext, bool in_iteration);

  const Manifest& manifest_;
  HostServices& services_;
  std::unique_ptr<Session> session_;
  std::vector<std::unique_ptr<ExtensionInstance>> extensions_;
  Scheduler scheduler_;
  Progress progress_;
  std::unique_ptr<RunState> run_state_;  // after the schedule: it holds each instance's trigger
  std::unique_ptr<SnapshotMaker> snapshot_maker_;
  Observation observation_;
  ResumeRequest resume_;
  std::string resumed_from_;
  distributed::Communicator* comm_;
  std::optional<distributed::IterationSync> sync_;  // distributed runs only
  int agreed_signal_ = 0;                           // the last agreement's (distributed runs only)

  PairsView observation_view_;
  PairsView summary_view_;
  ScalarPairs summary_means_;
};

}  // namespace trainkit
