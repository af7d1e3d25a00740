#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "core/regular_file.h"
#include "data/plugin_dataset.h"
#include "manifest/manifest.h"
#include "torch/session.h"
#include "trainer/host_services.h"
#include "trainer/out_dir.h"
#include "trainer/plan.h"
#include "trainer/signals.h"
#include "trainer/trainer.h"

namespace trainkit::cli {
namespace {

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  return std::string(::getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
}

void check_operands(const Args& args) {
  if (args.positionals.empty() && args.resume_path)
    throw ConfigError(str_cat("run needs a MANIFEST; --resume took \"", *args.resume_path,
                              "\" as its SNAPSHOT (write --resume=SNAPSHOT after the MANIFEST, or name the manifest "
                              "*.toml); see trainkit --help"));
  TK_CHECK(args.positionals.size() == 1, ConfigError, "run needs exactly one MANIFEST; see trainkit --help");
}

// A snapshot or weights file named on the command line or in the manifest is read only if it is a regular
// file: a FIFO would block the run in open, a folder fails obscurely later.
void check_input_files(const std::optional<std::string>& resume_path, const std::string& init_from) {
  if (resume_path) {
    const std::string why = not_a_regular_file(*resume_path);
    TK_CHECK(why.empty(), ResumeError, "cannot resume from ", *resume_path, ": ", why);
  }
  if (!init_from.empty()) {
    const std::string why = not_a_regular_file(init_from);
    TK_CHECK(why.empty(), ResumeError, "cannot initialise the model from ", init_from, ": ", why);
  }
}

void report_removed(const std::vector<std::string>& removed, const std::string& out) {
  if (removed.empty()) return;
  std::string names;
  for (size_t i = 0; i < removed.size() && i < 5; ++i) names += (i ? ", " : "") + removed[i];
  if (removed.size() > 5) names += str_cat(" and ", removed.size() - 5, " more");
  host_log(TK_LOG_INFO, "", str_cat("removed ", removed.size(), " temp file", removed.size() == 1 ? "" : "s",
                                    " an interrupted run left in ", out, ": ", names));
}

// Printed instead of "done" when a signal stopped the run: where it stopped and what is there to resume.
void report_stop(Trainer& trainer, const std::string& out) {
  const std::string snapshot = trainer.snapshot_left_by_stop();
  host_log(TK_LOG_INFO, "",
           str_cat("stopped by ", stop_signal() == SIGINT ? "SIGINT" : "SIGTERM", " at iteration ", trainer.iteration(),
                   " after ", trainer.elapsed_time(), " s; ",
                   snapshot.empty() ? "no snapshot to resume from in " + out
                                    : "continue with --resume from " + snapshot));
}

}  // namespace

// Note [Stopping on a signal] (trainer/signals.h): each phase is named for the message a signal there ends
// trainkit with.
int run_command(const Args& args) {
  check_operands(args);
  set_stop_phase("reading the manifest (nothing was trained)");
  Manifest manifest = load_manifest(args.positionals[0], args.sets);
  if (args.out) manifest.trainer.out = absolute_path(*args.out);
  if (args.init_from) manifest.trainer.init_from = absolute_path(*args.init_from);
  std::optional<std::string> resume_path;
  if (args.resume_path) resume_path = absolute_path(*args.resume_path);
  check_named_files(manifest);
  check_input_files(resume_path, manifest.trainer.init_from);

  HostServices services;
  if (args.quiet) services.set_log_level(TK_LOG_WARNING);
  if (args.verbose) services.set_log_level(TK_LOG_DEBUG);
  set_stop_phase("loading plugins (nothing was trained)");
  PluginRegistry registry(services.host());
  load_plugins(registry, plugin_dirs_for(manifest.trainer.plugin_dirs), true);
  std::vector<PlannedExtension> plan = plan_extensions(manifest, registry);

  OutDirLock lock(manifest.trainer.out);
  report_removed(remove_orphan_temp_files(lock), manifest.trainer.out);
  make_out_folders(plan, manifest.trainer.out);
  set_stop_phase("reading the data and building the model (nothing was trained)");
  data::Openers openers;
  openers.plugin = [&](const DataConfig& data) {
    return data::open_plugin_splits(data, registry, services.host(), manifest.trainer.out);
  };
  std::unique_ptr<Session> session = make_session(manifest, std::move(openers));
  if (!args.quiet) host_log(TK_LOG_INFO, "", session->describe());

  RunEnd end;
  {
    ResumeRequest resume;
    resume.requested = args.resume;
    if (resume_path) resume.path = *resume_path;
    set_stop_phase("creating the extensions and starting the run (nothing was trained)");
    Trainer trainer(manifest, std::move(plan), services, std::move(session), resume);
    end = trainer.run();
    if (end != RunEnd::kCompleted)
      report_stop(trainer, manifest.trainer.out);
    else if (!args.quiet)
      host_log(TK_LOG_INFO, "", str_cat("done: ", trainer.iteration(), " iterations in ", trainer.elapsed_time(),
                                        " s; results in ", manifest.trainer.out));
  }
  registry.shutdown();
  switch (end) {
    case RunEnd::kInterrupted: return static_cast<int>(ExitCode::kInterrupted);
    case RunEnd::kTerminated: return static_cast<int>(ExitCode::kTerminated);
    case RunEnd::kCompleted: break;
  }
  return 0;
}

}  // namespace trainkit::cli
