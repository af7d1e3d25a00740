// trainkit manifest: one reader per manifest section, each in the file named for it. A reader checks every
// key of its table (an absent section arrives as an empty table, so defaults pass the same checks) and
// fills its part of the Manifest.
//
//   read_data(table, manifest.dir, manifest.data);   // data_section.cpp; relative paths against `dir`
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace trainkit {

void read_trainer(const OptionValue& table, const std::string& dir, TrainerConfig& out);  // [trainer]
void read_model(const OptionValue& table, const std::string& dir, ModelConfig& out);      // [model]
void read_data(const OptionValue& table, const std::string& dir, DataConfig& out);        // [data]
void read_optimizer(const OptionValue& table, OptimizerConfig& out);                       // [optimizer]
void read_loss(const OptionValue& table, LossConfig& out);                                 // [loss]
void read_distributed(const OptionValue& table, DistributedConfig& out);                   // [distributed]
void read_extensions(const OptionValue& array, std::vector<ExtensionConfig>& out);        // [[extension]]

// The instance name of each table of the `extension` array, as read_extensions gives them (overrides
// address extensions by these names).
std::vector<std::string> resolve_instance_names(const OptionValue& extensions);

// `path` as written in the manifest, made absolute against the manifest's folder.
inline std::string absolute_from(const std::string& dir, const std::string& path) {
  const std::filesystem::path p(path);
  return (p.is_absolute() ? p : std::filesystem::path(dir) / p).lexically_normal().string();
}

}  // namespace trainkit
