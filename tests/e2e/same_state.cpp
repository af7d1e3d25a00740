#include "same_state.h"

#include <catch2/catch.hpp>

namespace tk_test {

void check_same_leaves(const trainkit::state::MemoryTree& a, const trainkit::state::MemoryTree& b,
                       const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    size_t seen = 0;
    for (auto it = a.leaves.lower_bound(prefix); it != a.leaves.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      INFO(it->first);
      REQUIRE(b.leaves.count(it->first) == 1);
      CHECK((it->second == b.leaves.at(it->first)));
      ++seen;
    }
    INFO(prefix);
    CHECK(seen > 0);
  }
}

}  // namespace tk_test
