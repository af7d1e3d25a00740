// torchrun's environment → JobEnv (runtime/distributed/job_env.h).
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "core/error.h"
#include "distributed/job_env.h"

using trainkit::distributed::read_job_env;
using Catch::Matchers::Contains;

namespace {

auto from(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string refusal(const std::map<std::string, std::string>& vars) {
  try {
    read_job_env(from(vars));
  } catch (const trainkit::ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

const std::map<std::string, std::string> kTorchrun = {
    {"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"}};

}  // namespace

TEST_CASE("job env: no RANK and no WORLD_SIZE is a run of one process") {
  CHECK_FALSE(read_job_env(from({})).has_value());
  CHECK_FALSE(read_job_env(from({{"MASTER_ADDR", "x"}, {"RANK", ""}})).has_value());  // empty counts as unset
}

TEST_CASE("job env: torchrun's variables") {
  auto job = read_job_env(from(kTorchrun));
  REQUIRE(job.has_value());
  CHECK(job->rank == 3);
  CHECK(job->world_size == 4);
  CHECK(job->local_rank == 1);
  CHECK(job->master_addr == "10.0.0.1");
  CHECK(job->master_port == 29500);
  CHECK(describe(*job) == "rank 3 of 4 (local rank 1), rendezvous at 10.0.0.1:29500");
}

TEST_CASE("job env: LOCAL_RANK defaults to RANK") {
  auto vars = kTorchrun;
  vars.erase("LOCAL_RANK");
  CHECK(read_job_env(from(vars))->local_rank == 3);
}

TEST_CASE("job env: a missing, malformed or out-of-range variable is named") {
  auto without = [](const char* name) {
    auto vars = kTorchrun;
    vars.erase(name);
    return vars;
  };
  auto with = [](const char* name, const char* value) {
    auto vars = kTorchrun;
    vars[name] = value;
    return vars;
  };
  CHECK_THAT(refusal(without("WORLD_SIZE")), Contains("RANK is set but WORLD_SIZE is not"));
  CHECK_THAT(refusal(without("RANK")), Contains("WORLD_SIZE is set but RANK is not"));
  CHECK_THAT(refusal(without("MASTER_ADDR")), Contains("MASTER_ADDR is not"));
  CHECK_THAT(refusal(without("MASTER_PORT")), Contains("MASTER_PORT is not"));
  CHECK_THAT(refusal(with("RANK", "4")), Contains("RANK=\"4\" is not an integer in [0, 3]"));
  CHECK_THAT(refusal(with("RANK", "1x")), Contains("RANK=\"1x\""));
  CHECK_THAT(refusal(with("WORLD_SIZE", "0")), Contains("WORLD_SIZE=\"0\""));
  CHECK_THAT(refusal(with("MASTER_PORT", "70000")), Contains("MASTER_PORT=\"70000\" is not an integer in [1, 65535]"));
  CHECK_THAT(refusal(with("LOCAL_RANK", "-1")), Contains("LOCAL_RANK=\"-1\""));
}
