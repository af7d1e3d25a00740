// trainkit trainer: the manifest's extensions resolved against the loaded plugins, ready to create.
//
//   auto plan = plan_extensions(manifest, registry);   // ConfigError on unknown class or bad option
//   std::cout << describe_plan(manifest, plan);         // what `trainkit validate` prints
//   make_out_folders(plan, manifest.trainer.out);       // in a run, once the output folder is locked
//
// Everything here happens before any training: a bad option never costs a run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <trainkit/abi.h>

#include "manifest/extension_options.h"
#include "manifest/manifest.h"
#include "plugin/plugin_registry.h"
#include "trigger/trigger_spec.h"

namespace trainkit {

// Use as the checked description of one extension instance.
struct PlannedExtension {
  std::string name;                 // unique instance name
  const tk_extension_class* cls = nullptr;
  const LoadedPlugin* plugin = nullptr;
  int64_t priority = TK_PRIORITY_READER;
  TriggerSpec trigger;
  std::unique_ptr<BoundOptions> options;
  size_t manifest_index = 0;
  SourcePos pos;  // the [[extension]] table's header: where a refusal by the plugin's create is placed
};

// Each [[extension]] bound to its class and options. Out-file options (TK_OPTION_OUT_FILE) are checked
// across instances too: no two may name one file (Note [When two out-file names collide]), none may need
// a folder where out/ holds something else.
std::vector<PlannedExtension> plan_extensions(const Manifest& manifest, const PluginRegistry& registry);

// Creates, inside out_dir, the folders the plan's out-file options name (mkdir -p); ConfigError naming
// the option when one cannot be created.
void make_out_folders(const std::vector<PlannedExtension>& plan, const std::string& out_dir);

std::string describe_plan(const Manifest& manifest, const std::vector<PlannedExtension>& plan);

}  // namespace trainkit
