// trainkit trainer: one SIGINT or SIGTERM always stops trainkit, whatever it is doing, with exit 130 or 143
// and a message that says where it stopped.
//
//   int main() { install_stop_signals(); ... }   // first: from here on no stop signal goes unanswered
//   set_stop_phase("loading plugins");            // what the message names if a signal ends trainkit here
//   {
//     DeferredStop training;                      // the training loop: a signal only sets a flag ...
//     while (...) {
//       if (stop_requested()) { acknowledge_stop(); /* final snapshot, finalize */ break; }
//       note_iteration(i);                        // ... which the loop reads between iterations
//     }
//   }
//   stop_signal();                                // SIGINT, SIGTERM or 0
//
// Note [Stopping on a signal]
// Outside the training loop (start-up, the manifest, the plugins, the data, a resume, an open that
// blocks, and the end of a run) the handler itself writes "trainkit: stopped by SIGTERM while <phase>"
// and _exits with 128 + the signal: nothing there needs saving, and no code has to poll for it.
// Inside the loop (a DeferredStop) the handler only sets the flag; the loop reads it between iterations,
// gives the instances that ask for it one more call (the snapshot extension's final snapshot), finalizes
// every instance and ends with the same exit code. A step or an extension that does not return is not
// waited for forever: a watchdog thread ends the process with the same exit code and a message when the
// loop has not taken the stop within the grace period (TRAINKIT_STOP_GRACE seconds, 60 by default), and
// the orderly stop it then starts gets one more grace period of its own. A second signal ends the process
// at once. Snapshots written before stay whole either way: every write is atomic, and the temp file an
// abandoned write leaves is removed by the next run on the folder (out_dir.h).
// The handler calls only async-signal-safe functions (write, sem_post, _exit) and reads lock-free atomics.
#pragma once

#include <csignal>
#include <cstdint>
#include <thread>

namespace trainkit {

// Installs the handlers of SIGINT and SIGTERM for the rest of the process and ignores SIGXFSZ (a write past
// `ulimit -f` then fails with EFBIG and is reported, instead of killing the process mid-write). Reads
// TRAINKIT_STOP_GRACE; ConfigError when it is not a whole number of seconds in [1, 86400]. Idempotent.
void install_stop_signals();

// The phase a signal outside the training loop names: a string literal ("loading the data"). [main thread]
void set_stop_phase(const char* phase);

// The grace period in seconds (install_stop_signals must have run).
int stop_grace_seconds();

// Use for the training loop's lifetime: a signal sets the flag and starts the grace period (Note [Stopping
// on a signal]). Installs the handlers if main did not (tests drive the Trainer directly). One at a time.
class DeferredStop {
 public:
  DeferredStop();
  ~DeferredStop();
  DeferredStop(const DeferredStop&) = delete;
  DeferredStop& operator=(const DeferredStop&) = delete;

 private:
  std::thread watchdog_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool stop_requested();
int stop_signal();  // SIGINT, SIGTERM or 0 (since the last DeferredStop began)
// The loop has seen the flag and begins the orderly stop; its own grace period starts now.
void acknowledge_stop();
// The iteration the loop is at, for the watchdog's message. [main thread]
void note_iteration(int64_t iteration);

}  // namespace trainkit
