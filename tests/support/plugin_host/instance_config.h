// Instance::ConfigData: the tk_config a plugin reads its options from, over the test's Options plus the
// class's declared defaults. Internal to tk_test_plugin_host.
#pragma once

#include <string>

#include "plugin_host.h"

namespace tk_test {

struct Instance::ConfigData {
  tk_config raw{};
  std::string instance_name;
  std::string out_dir;
  std::map<std::string, OptionValue> values;

  // Throws when options name an option the class did not declare.
  ConfigData(const tk_extension_class& cls, const Options& options, std::string name, std::string out_dir);
};

}  // namespace tk_test
