#include <iostream>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "data/plugin_dataset.h"
#include "manifest/manifest.h"
#include "trainer/host_services.h"
#include "trainer/plan.h"

namespace trainkit::cli {

int validate_command(const Args& args) {
  TK_CHECK(args.positionals.size() == 1, ConfigError, "validate needs exactly one MANIFEST; see trainkit --help");
  Manifest manifest = load_manifest(args.positionals[0], args.sets);
  HostServices services;
  PluginRegistry registry(services.host());
  load_plugins(registry, plugin_dirs_for(manifest.trainer.plugin_dirs), true);
  std::vector<PlannedExtension> plan = plan_extensions(manifest, registry);
  if (manifest.data.format == "plugin") data::bind_dataset(manifest.data, registry, manifest.trainer.out);
  std::cout << describe_plan(manifest, plan) << "ok: " << manifest.path << " is valid\n";
  registry.shutdown();
  return 0;
}

}  // namespace trainkit::cli
