// Every standard plugin: id org.trainkit.<folder>, version 1.0.0, one class named like its folder, no
// LibTorch, and options whose declared defaults parse.
#include <catch2/catch.hpp>

#include <string>

#include "plugin_host.h"

using namespace tk_test;

TEST_CASE("standard plugins present themselves consistently") {
  auto name = GENERATE(as<std::string>{}, "log_report", "print_report", "progress_bar", "observe_lr", "evaluator");
  INFO(name);
  FakeHost host;
  Plugin plugin(name, host);
  const tk_plugin_entry& e = plugin.entry();
  CHECK(std::string(e.descriptor->id) == "org.trainkit." + name);
  CHECK(std::string(e.descriptor->version) == "1.0.0");
  CHECK(e.descriptor->libtorch_version == nullptr);
  REQUIRE(e.class_count() == 1);
  const tk_extension_class& cls = *e.get_class(0);
  CHECK(std::string(cls.name) == name);
  for (size_t i = 0; i < cls.option_count; ++i) CHECK(cls.options[i].doc != nullptr);
  Instance defaults(plugin, host, name);  // every default is valid
}
