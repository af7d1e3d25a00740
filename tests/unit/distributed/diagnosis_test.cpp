// Note [Naming the rank that failed] (runtime/distributed/diagnosis.h).
#include <catch2/catch.hpp>

#include "distributed/diagnosis.h"

using trainkit::distributed::blame;
using trainkit::distributed::Evidence;
using trainkit::distributed::PeerEvidence;

namespace {

Evidence evidence(std::vector<PeerEvidence> peers) {
  Evidence e;
  e.peers = std::move(peers);
  e.my_sequence = 41;
  e.beat_window = 2.0;
  e.store_address = "127.0.0.1:29500";
  return e;
}

}  // namespace

TEST_CASE("diagnosis: a reason left behind names the rank that failed first") {
  auto e = evidence({{1, std::nullopt, 5, 5, 40}, {2, std::string("writing snapshot: disk full"), 5, 6, 41}});
  CHECK(blame(e) == "rank 2 failed: writing snapshot: disk full");
}

TEST_CASE("diagnosis: a heartbeat that did not move names a rank that is gone or frozen") {
  auto e = evidence({{1, std::nullopt, 9, 9, 41}, {2, std::nullopt, 9, 12, 41}});
  CHECK(blame(e) == "rank 1 stopped responding: no heartbeat for 2.0 s (killed, crashed or frozen)");
}

TEST_CASE("diagnosis: a live rank behind in collectives is stuck outside them") {
  auto e = evidence({{3, std::nullopt, 9, 12, 40}});
  CHECK(blame(e) == "rank 3 is alive but stuck before collective #41 (it entered 40)");
}

TEST_CASE("diagnosis: a store that no longer answers means rank 0 is gone") {
  auto e = evidence({});
  e.store_reachable = false;
  CHECK(blame(e) == "rank 0 is gone: the rendezvous store it serves at 127.0.0.1:29500 no longer answers");
}

TEST_CASE("diagnosis: no evidence against anyone blames no one") {
  CHECK(blame(evidence({{1, std::nullopt, 9, 12, 41}})).empty());
}
