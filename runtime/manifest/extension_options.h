// trainkit manifest: an extension's options checked against what its class declares, and the
// read-only tk_config view the plugin reads them through.
//
//   BoundOptions opts = bind_options(manifest.extensions[i], *cls);   // throws ConfigError
//   cls->create(cls, opts.view(), host, &instance, &err);
//
// Unknown options, wrong types and missing required options are errors with file:line:col and a
// did-you-mean; declared options the manifest omits get their declared defaults.
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
    std::string s;                     // STRING, TRIGGER (canonical text)
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

 private:
  std::map<std::string, Value> values_;
  std::string instance_name_;
  tk_config config_{};
};

// Checks cfg.options against cls's declarations (positions in the options name the file in messages) and
// sets the view's instance_name to cfg.name.
std::unique_ptr<BoundOptions> bind_options(const ExtensionConfig& cfg, const tk_extension_class& cls);

}  // namespace trainkit
