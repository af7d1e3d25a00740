#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "core/regular_file.h"
#include "data/plugin_dataset.h"
#include "distributed/all_or_none.h"
#include "distributed/fingerprint.h"
#include "distributed/job_env.h"
#include "distributed/launcher.h"
#include "manifest/manifest.h"
#include "torch/distributed/process_group.h"
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
// file (or, for --resume, a sharded step's folder): a FIFO would block the run in open.
void check_input_files(const std::optional<std::string>& resume_path, const std::string& init_from) {
  if (resume_path) {
    // A sharded snapshot's step is a folder of the ranks' parts (docs/distributed.md); resume judges it.
    struct stat st {};
    const bool folder = ::stat(resume_path->c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    const std::string why = folder ? std::string() : not_a_regular_file(*resume_path);
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
void report_stop(Trainer& trainer, RunEnd end, const std::string& out) {
  const std::string snapshot = trainer.snapshot_left_by_stop();
  host_log(TK_LOG_INFO, "",
           str_cat("stopped by ", end == RunEnd::kInterrupted ? "SIGINT" : "SIGTERM", " at iteration ", trainer.iteration(),
                   " after ", trainer.elapsed_time(), " s; ",
                   snapshot.empty() ? "no snapshot to resume from in " + out
                                    : "continue with --resume from " + snapshot));
}

// `run --nproc N` (docs/distributed.md): this process only launches and waits for the N ranks.
int launch_ranks(const Args& args, const Manifest& manifest) {
  TK_CHECK(!distributed::read_job_env(), ConfigError,
           "--nproc starts its own ranks, but this process is already a rank (RANK/WORLD_SIZE are set): drop --nproc, "
           "or run it outside torchrun");
  distributed::LocalLaunch launch;
  launch.nproc = args.nproc;
  launch.argv = args.rank_argv;
  launch.argv[0] = "/proc/self/exe";  // this very trainkit, wherever it was started from
  // The ranks stop by themselves within the timeout once one fails (they name it); the margin covers a
  // final snapshot and the error paths.
  launch.grace_seconds = manifest.distributed.timeout + 60;
  launch.log = [](const std::string& line) { host_log(TK_LOG_WARNING, "", line); };
  return distributed::launch_local(launch);
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
  if (args.nproc > 1) return launch_ranks(args, manifest);

  // One rank of a distributed job when torchrun's variables say so (a job of one rank runs as one process).
  std::optional<distributed::JobEnv> job = distributed::read_job_env();
  if (job && job->world_size == 1) job.reset();
  HostServices services;
  std::unique_ptr<ProcessGroup> group;
  if (job) {
    set_stop_phase("meeting the other ranks (nothing was trained)");
    set_program_label(str_cat("trainkit[", job->rank, "]"));
    services.set_ranks(job->rank, job->world_size, job->local_rank);
    group = ProcessGroup::join(*job, manifest.distributed,
                               distributed::run_fingerprint(manifest.text, manifest.overrides, job->world_size));
  }
  const bool speaks = !args.quiet && (!job || job->rank == 0);  // one description for the whole job

  if (args.quiet) services.set_log_level(TK_LOG_WARNING);
  if (args.verbose) services.set_log_level(TK_LOG_DEBUG);
  PluginRegistry registry(services.host());
  std::vector<PlannedExtension> plan;
  std::optional<OutDirLock> lock;
  std::unique_ptr<Session> session;
  auto set_up = [&] {
    set_stop_phase("loading plugins (nothing was trained)");
    load_plugins(registry, plugin_dirs_for(manifest.trainer.plugin_dirs), true);
    plan = plan_extensions(manifest, registry);
    // The ranks of a job share out/: rank 0 holds the lock that keeps other runs out, and only the lock's
    // holder may remove temp files (another rank may be writing its own).
    if (!job || job->rank == 0) {
      lock.emplace(manifest.trainer.out);
      report_removed(remove_orphan_temp_files(*lock), manifest.trainer.out);
    } else {
      make_directories(manifest.trainer.out);
    }
    make_out_folders(plan, manifest.trainer.out);
    set_stop_phase("reading the data and building the model (nothing was trained)");
    data::Openers openers;
    openers.plugin = [&](const DataConfig& data) {
      return data::open_plugin_splits(data, registry, services.host(), manifest.trainer.out);
    };
    session = make_session(manifest, std::move(openers), group.get());
  };
  if (group) distributed::all_or_none(*group, "set up", set_up);
  else set_up();
  if (speaks) host_log(TK_LOG_INFO, "", session->describe());

  RunEnd end;
  {
    ResumeRequest resume;
    resume.requested = args.resume;
    if (resume_path) resume.path = *resume_path;
    set_stop_phase("creating the extensions and starting the run (nothing was trained)");
    Trainer trainer(manifest, std::move(plan), services, std::move(session), resume, group.get());
    end = trainer.run();
    // Every rank is done before rank 0, which serves the rendezvous store, may leave.
    if (group) group->barrier();
    if (end != RunEnd::kCompleted) {
      if (speaks) report_stop(trainer, end, manifest.trainer.out);
    } else if (speaks) {
      std::string done = str_cat("done: ", trainer.iteration(), " iterations in ", trainer.elapsed_time(),
                                 " s; results in ", manifest.trainer.out);
      if (group) {  // what the ranks' communication cost (bench/distributed_bench reads it)
        const ProcessGroup::GradientTiming& t = group->gradient_timing();
        done += str_cat("; gradient all-reduce ", t.span_seconds, " s over ", t.steps, " updates, ", t.wait_seconds,
                        " s of it after backward");
      }
      host_log(TK_LOG_INFO, "", done);
    }
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
