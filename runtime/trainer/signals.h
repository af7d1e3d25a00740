// trainkit trainer: SIGINT/SIGTERM stop the run at the next iteration boundary.
//
//   SignalGuard guard;                 // installs the handlers for the guard's lifetime
//   while (...) { if (stop_requested()) break; ... }
//   stop_signal();                     // SIGINT, SIGTERM or 0
//
// A second signal of the same kind gets the default action, so an impatient user can still kill the run.
#pragma once

#include <csignal>

namespace trainkit {

class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool stop_requested();
int stop_signal();

}  // namespace trainkit
