// runtime/distributed/all_or_none.h: a step every rank takes, or none does.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "distributed/all_or_none.h"
#include "fake_communicator.h"

using trainkit::distributed::all_or_none;
using Catch::Matchers::Contains;

TEST_CASE("all or none: every rank succeeding goes on") {
  tk_test::FakeCommunicator comm(0, 2);
  comm.others.push_back({0, 0});
  bool ran = false;
  all_or_none(comm, "set up", [&] { ran = true; });
  CHECK(ran);
}

TEST_CASE("all or none: another rank's failure stops this one with its exit code") {
  tk_test::FakeCommunicator comm(0, 3);
  comm.others.push_back({0, 0, 3});  // rank 2 refused its snapshot (exit 3)
  try {
    all_or_none(comm, "resume", [] {});
    FAIL("went on");
  } catch (const trainkit::Error& e) {
    CHECK(static_cast<int>(e.code()) == 3);
    CHECK_THAT(std::string(e.what()), Contains("rank 2 could not resume"));
  }
}

TEST_CASE("all or none: this rank's own failure is rethrown after the others learned of it") {
  tk_test::FakeCommunicator comm(1, 2);
  comm.others.push_back({0, 0});
  CHECK_THROWS_AS(all_or_none(comm, "set up", [] { throw trainkit::ConfigError("bad data path"); }),
                  trainkit::ConfigError);
  CHECK(comm.reduced.at(0) == std::vector<double>{0, 2});  // it told the others: exit 2 on rank 1
}

TEST_CASE("all or none: when the agreement itself fails, this rank's own error wins") {
  tk_test::FakeCommunicator comm(0, 2);
  comm.fail_next = true;
  CHECK_THROWS_WITH(all_or_none(comm, "set up", [] { throw trainkit::ConfigError("bad data path"); }),
                    "bad data path");
}
