// evaluator: asks the host to evaluate a split and report under a prefix.
#include <catch2/catch.hpp>

#include <string>

#include "plugin_host.h"

using namespace tk_test;

TEST_CASE("evaluator: evaluates the validation split into validation/main/*") {
  FakeHost host;
  Plugin plugin("evaluator", host);
  Instance ext(plugin, host, "evaluator");
  TestContext ctx;
  ctx.iteration = 10;
  ext.call(ctx);
  REQUIRE(host.evaluations.size() == 1);
  CHECK(host.evaluations[0].split == "validation");
  CHECK(host.evaluations[0].prefix == "validation");
  CHECK(host.reported.find("validation/main/loss") == 0.25);
  CHECK(host.reported.find("validation/main/accuracy") == 0.875);
}

TEST_CASE("evaluator: split and prefix options") {
  FakeHost host;
  Plugin plugin("evaluator", host);
  Instance ext(plugin, host, "evaluator", {{"split", std::string("test")}, {"prefix", std::string("test")}});
  TestContext ctx;
  ext.call(ctx);
  REQUIRE(host.evaluations.size() == 1);
  CHECK(host.evaluations[0].split == "test");
  CHECK(host.reported.find("test/main/accuracy") == 0.875);
}

TEST_CASE("evaluator: the host's failure reaches the caller with its message") {
  FakeHost host;
  host.eval_failure = "the manifest's [data] has no split \"test\"";
  Plugin plugin("evaluator", host);
  Instance ext(plugin, host, "evaluator", {{"split", std::string("test")}});
  TestContext ctx;
  CHECK_THROWS_WITH(ext.call(ctx), Catch::Contains("no split \"test\""));
}

TEST_CASE("evaluator: an empty split or a prefix that would clobber training keys is refused") {
  FakeHost host;
  Plugin plugin("evaluator", host);
  CHECK(Instance::try_create(plugin, host, "evaluator", {{"split", std::string("")}}).first == TK_ERR_INVALID);
  CHECK(Instance::try_create(plugin, host, "evaluator", {{"prefix", std::string("")}}).first == TK_ERR_INVALID);
  CHECK(Instance::try_create(plugin, host, "evaluator", {{"prefix", std::string("main")}}).first == TK_ERR_INVALID);
}
