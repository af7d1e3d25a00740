// trainkit trainer: the manifest's extensions resolved against the loaded plugins, ready to create.
//
//   auto plan = plan_extensions(manifest, registry);   // ConfigError on unknown class or bad option
//   std::cout << describe_plan(manifest, plan);         // what `trainkit validate` prints
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
};

std::vector<PlannedExtension> plan_extensions(const Manifest& manifest, const PluginRegistry& registry);

std::string describe_plan(const Manifest& manifest, const std::vector<PlannedExtension>& plan);

}  // namespace trainkit
