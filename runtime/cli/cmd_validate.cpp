#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/plugin_setup.h"
#include "core/error.h"
#include "data/plugin_dataset.h"
#include "manifest/manifest.h"
#include "trainer/extension_instance.h"
#include "trainer/host_services.h"
#include "trainer/plan.h"

namespace trainkit::cli {

// What `run` checks before training, without training or writing anything: the manifest, the plugins,
// every option against its declaration, and every extension instance created (and destroyed again), so
// a value only a plugin's own constructor refuses fails here too, with exit 2.
int validate_command(const Args& args) {
  TK_CHECK(args.positionals.size() == 1, ConfigError, "validate needs exactly one MANIFEST; see trainkit --help");
  Manifest manifest = load_manifest(args.positionals[0], args.sets);
  check_named_files(manifest);
  HostServices services;
  PluginRegistry registry(services.host());
  load_plugins(registry, plugin_dirs_for(manifest.trainer.plugin_dirs), true);
  std::vector<PlannedExtension> plan = plan_extensions(manifest, registry);
  if (manifest.data.format == "plugin") data::bind_dataset(manifest.data, registry, manifest.trainer.out);
  const std::string description = describe_plan(manifest, plan);
  {
    // Created in manifest order, destroyed before the plugins' deinit. The instances see the output
    // folder's path, which may not exist yet: constructors only read options.
    std::vector<std::unique_ptr<ExtensionInstance>> instances;
    for (PlannedExtension& p : plan) instances.push_back(std::make_unique<ExtensionInstance>(std::move(p), services));
  }
  std::cout << description << "ok: " << manifest.path << " is valid\n";
  registry.shutdown();
  return 0;
}

}  // namespace trainkit::cli
