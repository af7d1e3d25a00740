#include "distributed/diagnosis.h"

#include <cstdio>

#include "core/error.h"

namespace trainkit::distributed {
namespace {

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

std::string joined(const std::vector<std::string>& clauses) {
  std::string out;
  for (size_t i = 0; i < clauses.size(); ++i) out += (i == 0 ? "" : "; ") + clauses[i];
  return out;
}

}  // namespace

// Note [Naming the rank that failed] (diagnosis.h): reasons first, then silence, then lagging.
std::string blame(const Evidence& e) {
  if (!e.store_reachable)
    return str_cat("rank 0 is gone: the rendezvous store it serves at ", e.store_address, " no longer answers");
  std::vector<std::string> failed, silent, stuck;
  for (const PeerEvidence& p : e.peers) {
    if (p.failure) failed.push_back(str_cat("rank ", p.rank, " failed: ", *p.failure));
    else if (p.beats_after < 0 || p.beats_after == p.beats_before)
      silent.push_back(str_cat("rank ", p.rank, " stopped responding: no heartbeat for ", seconds(e.beat_window),
                               " (killed, crashed or frozen)"));
    else if (p.sequence >= 0 && p.sequence < e.my_sequence)
      stuck.push_back(str_cat("rank ", p.rank, " is alive but stuck before collective #", e.my_sequence,
                              " (it entered ", p.sequence, ")"));
  }
  if (!failed.empty()) return joined(failed);
  if (!silent.empty()) return joined(silent);
  return joined(stuck);
}

}  // namespace trainkit::distributed
