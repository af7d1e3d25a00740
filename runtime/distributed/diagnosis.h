// trainkit distributed: which rank to blame when a collective fails, from what the ranks left in the
// rendezvous store.
//
//   Evidence e;  e.peers = {{1, std::nullopt, /*beats*/ 7, 7, /*sequence*/ 40}};  e.my_sequence = 41;
//   blame(e);   // "rank 1 stopped responding: no heartbeat for 2.0 s (killed, crashed or frozen)"
//
// Note [Naming the rank that failed]
// A failed collective says little ("Connection closed by peer [127.0.0.1]:53432", "Timed out waiting
// 300000ms for recv"). Each rank therefore keeps three things in the store: a heartbeat counter its
// watchdog thread raises every beat, the number of collectives its main thread has entered, and, when it
// fails for a reason of its own, that reason. On a failed collective the rank reads them twice, a few
// beats apart: a reason left behind names the rank that failed first; a heartbeat that did not move names
// a rank that is gone or frozen (kill -9, SIGSTOP, a crash); a rank alive but behind in collectives is
// stuck outside them (a hang in its own code). A store that no longer answers means rank 0, which serves
// it, is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trainkit::distributed {

// Use for what the store says about one other rank; -1 where a key was missing.
struct PeerEvidence {
  int rank = 0;
  std::optional<std::string> failure;  // the reason it left when it failed on its own
  int64_t beats_before = -1;           // its heartbeat counter, first reading
  int64_t beats_after = -1;            // and second reading, beat_window seconds later
  int64_t sequence = -1;               // collectives its main thread had entered
};

// Use for everything one diagnosis read.
struct Evidence {
  bool store_reachable = true;
  std::string store_address;           // "10.0.0.1:29500"
  std::vector<PeerEvidence> peers;     // every rank but this one
  int64_t my_sequence = 0;             // collectives this rank had entered, the failed one included
  double beat_window = 0;              // seconds between the two heartbeat readings
};

// One clause naming the rank(s) to blame and why, or "" when the evidence blames no one.
std::string blame(const Evidence& evidence);

}  // namespace trainkit::distributed
