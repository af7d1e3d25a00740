// runtime/distributed/fingerprint.h: what every rank of a job must agree on.
#include <catch2/catch.hpp>

#include "distributed/fingerprint.h"

using trainkit::distributed::run_fingerprint;

TEST_CASE("fingerprint: the same job gives the same hash, any difference another") {
  const std::string text = "[trainer]\nstop = \"1 epoch\"\n";
  const std::string base = run_fingerprint(text, {"data.batch_size=32"}, 2);
  CHECK(base.size() == 16);
  CHECK(run_fingerprint(text, {"data.batch_size=32"}, 2) == base);
  CHECK(run_fingerprint(text + " ", {"data.batch_size=32"}, 2) != base);
  CHECK(run_fingerprint(text, {"data.batch_size=64"}, 2) != base);
  CHECK(run_fingerprint(text, {}, 2) != base);
  CHECK(run_fingerprint(text, {"data.batch_size=32"}, 3) != base);
  // Text moved from the manifest into an override is still another job.
  CHECK(run_fingerprint("ab", {"c"}, 2) != run_fingerprint("a", {"bc"}, 2));
}
