// observe_lr: reports the optimizer's learning rate under observation_key.
#include <catch2/catch.hpp>

#include <string>

#include "plugin_host.h"

using namespace tk_test;

TEST_CASE("observe_lr: reports the current lr of group 0 as \"lr\"") {
  FakeHost host;
  Plugin plugin("observe_lr", host);
  Instance ext(plugin, host, "observe_lr");
  TestContext ctx;
  ctx.iteration = 10;
  ext.call(ctx);
  CHECK(host.reported.find("lr") == 0.1);
  host.lr[0] = 0.05;  // a shift extension changed it
  ext.call(ctx);
  CHECK(host.reported.find("lr") == 0.05);
}

TEST_CASE("observe_lr: observation_key and param_group") {
  FakeHost host;
  host.lr = {0.1, 0.01};
  Plugin plugin("observe_lr", host);
  Instance ext(plugin, host, "observe_lr", {{"observation_key", std::string("lr/head")}, {"param_group", int64_t{1}}});
  TestContext ctx;
  ext.call(ctx);
  CHECK(host.reported.items() == std::vector<std::pair<std::string, double>>{{"lr/head", 0.01}});
}

TEST_CASE("observe_lr: a missing parameter group fails the call with a message") {
  FakeHost host;
  Plugin plugin("observe_lr", host);
  Instance ext(plugin, host, "observe_lr", {{"param_group", int64_t{3}}});
  TestContext ctx;
  CHECK_THROWS_WITH(ext.call(ctx), Catch::Contains("param_group 3") && Catch::Contains("1 parameter group"));
  CHECK(Instance::try_create(plugin, host, "observe_lr", {{"param_group", int64_t{-1}}}).first == TK_ERR_INVALID);
}
