// trainkit distributed: what every rank of one job must agree on, as a short hash checked at rendezvous.
//
//   std::string mine = run_fingerprint(manifest.text, manifest.overrides, job.world_size);
//   // each rank publishes its own and compares with every other's; any difference is exit 2
//
// It covers trainkit's version, the world size, the manifest's text and the --set overrides in order:
// what decides the training. Paths given on the command line (--out, --resume, --init-from) may differ
// between machines and are not part of it.
#pragma once

#include <string>
#include <vector>

namespace trainkit::distributed {

// 16 hex digits (XXH64).
std::string run_fingerprint(const std::string& manifest_text, const std::vector<std::string>& overrides,
                            int world_size);

}  // namespace trainkit::distributed
