// ProcessGroup (runtime/torch/distributed/process_group.h) with two ranks in one process.
#include <catch2/catch.hpp>

#include "two_ranks.h"

using namespace tk_test;
using Catch::Matchers::Contains;
using Op = trainkit::distributed::Communicator::Op;

TEST_CASE("process group: all-reduce, broadcast and barrier across two ranks") {
  std::vector<double> sums[2], lows[2], highs[2];
  std::string texts[2], empties[2];
  auto errors = with_two_ranks([&](int rank, trainkit::ProcessGroup& group) {
    sums[rank] = {1.0 + rank, 10.0 * rank};
    group.all_reduce(sums[rank], Op::kSum);
    lows[rank] = highs[rank] = {static_cast<double>(rank)};
    group.all_reduce(lows[rank], Op::kMin);
    group.all_reduce(highs[rank], Op::kMax);
    texts[rank] = rank == 1 ? "from rank 1" : "";
    group.broadcast(texts[rank], 1);
    empties[rank] = rank == 0 ? "" : "overwritten";
    group.broadcast(empties[rank], 0);
    group.barrier();
  });
  INFO(errors.what[0] << errors.what[1]);
  REQUIRE(!errors.failed(0));
  REQUIRE(!errors.failed(1));
  for (int r = 0; r < 2; ++r) {
    CHECK(sums[r] == std::vector<double>{3.0, 10.0});
    CHECK(lows[r] == std::vector<double>{0});
    CHECK(highs[r] == std::vector<double>{1});
    CHECK(texts[r] == "from rank 1");
    CHECK(empties[r].empty());
  }
}

TEST_CASE("process group: ranks with different fingerprints are refused at rendezvous on both") {
  auto errors = with_two_ranks([](int, trainkit::ProcessGroup&) {}, test_config(), true,
                               [](int rank) { return rank == 0 ? "aaaa" : "bbbb"; });
  CHECK_THAT(errors.what[0], Contains("the ranks do not run the same job: rank 0's fingerprint is aaaa, but rank 1 has bbbb"));
  CHECK_THAT(errors.what[1], Contains("rank 1's fingerprint is bbbb, but rank 0 has aaaa"));
}

TEST_CASE("process group: a rank that abandons fails at once; the other's collective names it and its reason") {
  std::string on_rank_1;
  auto errors = with_two_ranks(
      [&](int rank, trainkit::ProcessGroup& group) {
        group.barrier();
        std::vector<double> v{1};
        if (rank == 1) {
          group.abandon("a plugin failed");
          try {
            group.all_reduce(v, Op::kSum);
          } catch (const std::exception& e) {
            on_rank_1 = e.what();
          }
          return;  // its group goes: rank 0's all-reduce loses its peer
        }
        group.all_reduce(v, Op::kSum);
      },
      test_config(), false);
  CHECK_THAT(on_rank_1, Contains("not started: this rank's group is broken (a plugin failed)"));
  CHECK_THAT(errors.what[0], Contains("distributed all-reduce failed: rank 1 failed: a plugin failed"));
}
