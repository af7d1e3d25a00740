// trainkit manifest: an extension's options checked against what its class declares, and the
// read-only tk_config view the plugin reads them through.
//
//   auto opts = bind_options(manifest.extensions[i], *cls, manifest.trainer.out);   // throws ConfigError
//   cls->create(cls, opts->view(), host, &instance, &err);
//
// Unknown options, wrong types, values outside a choice's set and missing required options are errors
// with file:line:col and a did-you-mean; declared options the manifest omits get their declared defaults.
// The declarations are read with tk::OptionDecls, by the plugin's own stride.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <trainkit/abi.h>

#include "manifest/manifest.h"
#include "manifest/trigger_option.h"

namespace trainkit {

// Use to hold one extension's final option values for as long as its instance lives.
class BoundOptions {
 public:
  struct Value {
    tk_option_type type = TK_OPTION_STRING;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string s;                     // STRING, CHOICE, TRIGGER (canonical text)
    std::vector<int64_t> ints;         // INT_LIST
    std::vector<double> floats;        // FLOAT_LIST
    std::vector<std::string> strings;  // STRING_LIST
    bool from_manifest = false;        // false: the declared default
  };

  BoundOptions();
  BoundOptions(const BoundOptions&) = delete;
  BoundOptions& operator=(const BoundOptions&) = delete;

  const tk_config* view() const { return &config_; }
  const std::map<std::string, Value>& values() const { return values_; }
  void set(const std::string& name, Value v) { values_[name] = std::move(v); }
  void set_instance_name(const std::string& name) {
    instance_name_ = name;
    config_.instance_name = instance_name_.c_str();
  }
  void set_out_dir(const std::string& dir) {
    out_dir_ = dir;
    config_.out_dir = out_dir_.c_str();
  }

 private:
  std::map<std::string, Value> values_;
  std::string instance_name_;
  std::string out_dir_;
  tk_config config_{};
};

// Checks cfg.options against cls's declarations (positions in the options name the file in messages),
// sets the view's instance_name to cfg.name and its out_dir to out_dir (the run's absolute output folder).
// cls passed check_extension_class: its declarations are well-formed; their defaults are checked here.
std::unique_ptr<BoundOptions> bind_options(const ExtensionConfig& cfg, const tk_extension_class& cls,
                                           const std::string& out_dir);

// The same for a dataset class and the manifest's [data.options] (messages say "data.options"); the
// view's instance_name is the class name.
std::unique_ptr<BoundOptions> bind_dataset_options(const DataConfig& data, const tk_dataset_class& cls,
                                                   const std::string& out_dir);

}  // namespace trainkit
