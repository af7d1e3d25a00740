// trainkit trainer: the loop. A small host owns time; extensions own behaviour.
//
//   Trainer trainer(manifest, std::move(plan), services, make_session(manifest));
//   trainer.run();     // TrainingError when a step or an extension fails; returns how the run ended
//
// Each iteration: clear the observation, one update, then every extension whose trigger fires, in
// descending priority (Chainer), snapshot-priority ones after all triggers were evaluated (ppe).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "state/memory_tree.h"
#include "state/visitor.h"
#include "trainer/extension_state.h"
#include "trainer/snapshot_io.h"
#include "scheduler/scheduler.h"
#include "torch/session.h"
#include "trainer/extension_instance.h"
#include "trainer/host_services.h"
#include "trainer/plan.h"
#include "trainer/scalar_view.h"
#include "trigger/observation.h"
#include "trigger/trigger.h"

namespace trainkit {

enum class RunEnd { kCompleted, kInterrupted, kTerminated };

// How a run starts: from scratch, or from a snapshot.
struct ResumeRequest {
  std::string path;        // --resume PATH: exactly this file
  bool requested = false;  // --resume without a path: the newest valid snapshot the extensions know of
};

// Use once per process run: construct, run, destroy.
class Trainer final : public ServiceBackend {
 public:
  Trainer(const Manifest& manifest, std::vector<PlannedExtension> plan, HostServices& services,
          std::unique_ptr<Session> session, ResumeRequest resume = {});
  ~Trainer() override;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  RunEnd run();

  int64_t iteration() const { return iteration_; }
  double elapsed_time() const;
  // The snapshot the run resumed from, or "" when it started from scratch.
  const std::string& resumed_from() const { return resumed_from_; }

  // The whole state (target "trainer") or the model alone (target "model") into a saving visitor.
  void save_state(state::Visitor& saver, const std::string& target);
  // Restores every part from a verified tree; ResumeError (nothing restored) when it does not fit.
  void load_state(const state::MemoryTree& tree, const std::string& snapshot_path);

  // The snapshot service: what the snapshot extension reaches through trainkit.snapshot/1.
  tk_snapshot* capture_snapshot(const std::string& target, const std::string& format) override;
  void write_snapshot_now(const std::string& target, const std::string& format, const std::string& path) override;

  // ServiceBackend: what plugins reach through the host's services.
  void report(const std::string& key, double value) override;
  void evaluate(const std::string& split, const std::string& prefix) override;
  std::string optimizer_name() const override;
  size_t param_group_count() const override;
  std::optional<double> hyperparameter(size_t group, const std::string& name) const override;
  bool set_hyperparameter(size_t group, const std::string& name, double value) override;
  size_t parameter_count() const override;
  bool parameter(size_t index, const char** name, DLTensor* out) override;
  bool gradient(size_t index, DLTensor* out) override;

 private:
  void build_schedule();
  void resume_if_asked();
  void init_model_if_asked();
  std::string stop_spec_text() const;
  void call_on_stop();
  std::vector<ExtensionSlot> slots();
  void initialize_extensions();
  void run_iterations();
  void handle_error(const std::string& what);
  void finalize_extensions(bool already_failing);
  void call_extension(ExtensionInstance& ext);
  tk_context context_for(ExtensionInstance* ext, bool in_iteration);
  TriggerContext trigger_context() const;
  int64_t max_iteration() const;

  const Manifest& manifest_;
  HostServices& services_;
  std::unique_ptr<Session> session_;
  std::vector<std::unique_ptr<ExtensionInstance>> extensions_;
  Scheduler scheduler_;
  std::unique_ptr<Trigger> stop_trigger_;

  Observation observation_;
  int64_t iteration_ = 0;
  int64_t iterations_per_epoch_ = 1;
  double elapsed_before_run_ = 0;  // accumulated by earlier runs of the same training (resume)
  std::chrono::steady_clock::time_point run_start_;
  bool running_ = false;
  bool stop_fired_ = false;
  ResumeRequest resume_;
  std::string resumed_from_;
  state::MemoryTree carried_;  // state of extensions not loaded now, written back unchanged

  PairsView observation_view_;
  PairsView summary_view_;
  ScalarPairs summary_means_;
};

}  // namespace trainkit
