#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "manifest/manifest.h"
#include "torch/session.h"
#include "trainer/host_services.h"
#include "trainer/out_dir.h"
#include "trainer/plan.h"
#include "trainer/trainer.h"

namespace trainkit::cli {
namespace {

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  return std::string(::getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
}

}  // namespace

int run_command(const Args& args) {
  TK_CHECK(args.positionals.size() == 1, ConfigError, "run needs exactly one MANIFEST; see trainkit --help");
  Manifest manifest = load_manifest(args.positionals[0], args.sets);
  if (args.out) manifest.trainer.out = absolute_path(*args.out);
  if (args.init_from) manifest.trainer.init_from = absolute_path(*args.init_from);

  HostServices services;
  if (args.quiet) services.set_log_level(TK_LOG_WARNING);
  if (args.verbose) services.set_log_level(TK_LOG_DEBUG);
  PluginRegistry registry(services.host());
  load_plugins(registry, plugin_dirs_for(manifest.trainer.plugin_dirs), true);
  std::vector<PlannedExtension> plan = plan_extensions(manifest, registry);

  OutDirLock lock(manifest.trainer.out);
  make_out_folders(plan, manifest.trainer.out);
  std::unique_ptr<Session> session = make_session(manifest);
  if (!args.quiet) host_log(TK_LOG_INFO, "", session->describe());

  RunEnd end;
  {
    ResumeRequest resume;
    resume.requested = args.resume;
    if (args.resume_path) resume.path = absolute_path(*args.resume_path);
    Trainer trainer(manifest, std::move(plan), services, std::move(session), resume);
    end = trainer.run();
    if (!args.quiet)
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
