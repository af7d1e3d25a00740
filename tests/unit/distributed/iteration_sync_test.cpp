// Note [One agreement per iteration] (runtime/distributed/iteration_sync.h).
#include <catch2/catch.hpp>

#include <csignal>

#include "distributed/iteration_sync.h"
#include "fake_communicator.h"

using trainkit::Observation;
using trainkit::distributed::IterationSync;

TEST_CASE("iteration sync: the observation becomes the mean over the ranks, keys in order") {
  tk_test::FakeCommunicator comm(1, 2);
  // The other rank: main/loss 0.5, main/accuracy 0.25, elapsed 7 s (it is rank 0), no signal.
  comm.others.push_back({0.5, 0.25, 7.0, 0, 0});
  Observation obs;
  obs.report("main/loss", 1.5);
  obs.report("main/accuracy", 0.75);
  auto agreed = IterationSync(comm).after_step(obs, 0, 3.0);
  REQUIRE(obs.items().size() == 2);
  CHECK(obs.items()[0].first == "main/loss");
  CHECK(obs.items()[0].second == 1.0);
  CHECK(obs.items()[1].second == 0.5);
  CHECK(agreed.elapsed_time == 7.0);  // rank 0's; this rank (1) added nothing
  CHECK(agreed.signal == 0);
  CHECK(comm.reduced.at(0) == std::vector<double>{1.5, 0.75, 0.0, 0, 0});
}

TEST_CASE("iteration sync: a signal on any rank stops every rank, SIGTERM over SIGINT") {
  tk_test::FakeCommunicator comm(0, 3);
  Observation obs;
  comm.others.push_back({0, 1, 0});  // another rank got SIGINT
  CHECK(IterationSync(comm).after_step(obs, 0, 1.0).signal == SIGINT);
  comm.others.push_back({0, 1, 0});
  CHECK(IterationSync(comm).after_step(obs, SIGTERM, 1.0).signal == SIGTERM);
  comm.others.push_back({0, 0, 0});
  auto quiet = IterationSync(comm).after_step(obs, 0, 2.5);
  CHECK(quiet.signal == 0);
  CHECK(quiet.elapsed_time == 2.5);  // rank 0's own
}
