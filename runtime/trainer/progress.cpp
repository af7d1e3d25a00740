#include "trainer/progress.h"

#include "core/error.h"
#include "trainer/host_services.h"
#include "trainer/stop.h"

namespace trainkit {

Progress::Progress(const TrainerConfig& config, int64_t iterations_per_epoch)
    : config_(config), stop_trigger_(make_stop_trigger(config)), iterations_per_epoch_(iterations_per_epoch) {
  TK_INTERNAL_ASSERT(iterations_per_epoch_ > 0);
}

double Progress::epoch_detail() const {
  return static_cast<double>(iteration_) / static_cast<double>(iterations_per_epoch_);
}

int64_t Progress::max_iteration() const {
  auto last = stop_trigger_->max_iteration(static_cast<double>(iterations_per_epoch_));
  return last ? *last : -1;
}

double Progress::elapsed_time() const {
  if (clock_running_ && shared_time_) return *shared_time_;
  return own_elapsed_time();
}

double Progress::own_elapsed_time() const {
  if (!clock_running_) return elapsed_before_run_;
  std::chrono::duration<double> d = std::chrono::steady_clock::now() - run_start_;
  return elapsed_before_run_ + d.count();
}

void Progress::start_clock() {
  run_start_ = std::chrono::steady_clock::now();
  clock_running_ = true;
}

void Progress::stop_clock() {
  elapsed_before_run_ = elapsed_time();
  clock_running_ = false;
  shared_time_.reset();
}

TriggerContext Progress::trigger_context(const Observation* observation) const {
  TriggerContext t{};
  t.iteration = iteration_;
  t.iterations_per_epoch = iterations_per_epoch_;
  t.epoch_detail = epoch_detail();
  t.previous_epoch_detail =
      iteration_ == 0 ? 0.0 : static_cast<double>(iteration_ - 1) / static_cast<double>(iterations_per_epoch_);
  t.elapsed_time = elapsed_time();
  t.observation = observation;
  t.warn = [](const std::string& message) { host_log(TK_LOG_WARNING, "", message); };
  return t;
}

std::string Progress::stop_spec_text() const {
  std::string text = describe(config_.stop);
  const EarlyStopSpec& es = config_.early_stop;
  if (es.enabled)
    text += str_cat(" or no ", es.maximize ? "increase" : "decrease", " of ", es.monitor, " in ", es.patience,
                    " checks every ", describe(es.check));
  return text;
}

void Progress::save(state::Visitor& v) {
  double elapsed = elapsed_time();
  std::string stop_spec = stop_spec_text();
  v.value("iteration", iteration_);
  v.value("elapsed_time", elapsed);
  v.value("stop_fired", stop_fired_);
  v.value("stop_spec", stop_spec);
  v.scope("stop_trigger", [&] { stop_trigger_->visit(v); });
}

void Progress::load(state::Visitor& v, const std::string& snapshot_path) {
  TK_CHECK(v.value("iteration", iteration_), ResumeError, snapshot_path, " has no trainer/iteration");
  v.value("elapsed_time", elapsed_before_run_);
  v.scope("stop_trigger", [&] { stop_trigger_->visit(v); });
  bool fired = false;
  std::string saved_spec;
  v.value("stop_fired", fired);
  v.value("stop_spec", saved_spec);
  stop_fired_ = fired && saved_spec == stop_spec_text();
}

}  // namespace trainkit
