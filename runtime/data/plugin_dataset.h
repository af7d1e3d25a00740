// trainkit data: the `plugin` format, a dataset class from a loaded plugin (abi/dataset.h) as a source.
//
//   data::Splits s = data::open_plugin_splits(manifest.data, registry, services.host(), manifest.trainer.out);
//   s.train->read_rows(rows, n, buffers);       // read_batch once, or read_example per row, into host buffers
//   s.train->save_state(v);                      // header/{plugin_id, plugin_version, class, state_version}, state/...
//
// Every call into one instance is made under that instance's lock: the prefetch thread's reads, the main
// thread's evaluation reads and state visits never overlap, as abi/dataset.h promises the plugin. Plugin
// failures become ConfigError (create, describe, a read before training) or TrainingError (a read during
// training is reported by the step that needed it), naming the class and the split.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "data/source.h"
#include "manifest/extension_options.h"
#include "manifest/manifest.h"
#include "plugin/plugin_registry.h"

namespace trainkit::data {

// Use as one split of a dataset plugin.
class PluginDataset final : public Source {
 public:
  // Creates the instance for `split` and reads its size and fields (checked: names present and unique,
  // shapes positive, at most TK_MAX_DIMS - 1 dimensions, size > 0). ConfigError with the plugin's message.
  PluginDataset(const tk_dataset_class& cls, const LoadedPlugin& plugin, std::shared_ptr<const BoundOptions> options,
                const tk_host* host, const std::string& split);
  ~PluginDataset() override;
  PluginDataset(const PluginDataset&) = delete;
  PluginDataset& operator=(const PluginDataset&) = delete;

  int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  void read(size_t field, int64_t index, void* out) const override;
  void read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const override;
  std::string origin() const override;

  void save_state(state::Visitor& v) const override;
  // ResumeError for a state saved by another plugin id or of a state version the class cannot read,
  // checked before the plugin sees anything, and for a refusal by the plugin.
  void load_state(state::Visitor& v) override;

 private:
  void visit(state::Visitor& v, uint32_t saved_version) const;

  const tk_dataset_class& cls_;
  const LoadedPlugin& plugin_;
  std::shared_ptr<const BoundOptions> options_;  // the view lives as long as the instance
  std::string split_;
  void* instance_ = nullptr;
  int64_t size_ = 0;
  std::vector<Field> fields_;
  mutable std::mutex lock_;
};

// The dataset class data.plugin names and its [data.options] bound against the class's declarations,
// without creating anything: what `trainkit validate` checks. ConfigError at the manifest's [data] place
// for an unknown class (with the loaded ones and a did-you-mean) or a bad option.
struct BoundDataset {
  const tk_dataset_class* cls;
  const LoadedPlugin* plugin;
  std::shared_ptr<const BoundOptions> options;
};
BoundDataset bind_dataset(const DataConfig& config, const PluginRegistry& registry, const std::string& out_dir);

// The splits data.train and (when given) data.validation of bind_dataset's class.
Splits open_plugin_splits(const DataConfig& config, const PluginRegistry& registry, const tk_host* host,
                          const std::string& out_dir);

}  // namespace trainkit::data
