#include "trainer/signals.h"

#include <semaphore.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"

namespace trainkit {
namespace {

constexpr int kDefaultGraceSeconds = 60;
constexpr int kMaxGraceSeconds = 86400;

// Where the training loop is with a stop, as the handler, the loop and the watchdog see it.
enum Stage : int { kRunning, kSignalled, kAcknowledged, kDone };

std::atomic<bool> g_installed{false};
std::atomic<bool> g_deferred{false};
std::atomic<int> g_signal{0};
std::atomic<int> g_stage{kRunning};
std::atomic<const char*> g_phase{"starting"};
std::atomic<int64_t> g_iteration{0};
int g_grace_seconds = kDefaultGraceSeconds;  // set once, before any handler is installed
sem_t g_wake;                                // posted by the handler, the loop and ~DeferredStop

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<const char*>::is_always_lock_free &&
                  std::atomic<int64_t>::is_always_lock_free,
              "the signal handler reads these atomics");

void write_stderr(const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report to: the exit code still tells
    text += n;
    size -= static_cast<size_t>(n);
  }
}

void write_text(const char* text) { write_stderr(text, std::strlen(text)); }

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

// Note [Stopping on a signal] (signals.h). Async-signal-safe only.
extern "C" void on_stop_signal(int sig) {
  const int saved_errno = errno;
  int none = 0;
  const bool first = g_signal.compare_exchange_strong(none, sig);
  if (first && g_deferred.load()) {
    int running = kRunning;
    g_stage.compare_exchange_strong(running, kSignalled);  // the loop may have taken the flag already
    ::sem_post(&g_wake);
    errno = saved_errno;
    return;
  }
  write_text("trainkit: stopped by ");
  write_text(signal_name(sig));
  if (first) {
    write_text(" while ");
    write_text(g_phase.load());
  } else {
    write_text(" (a second stop signal): at once, without waiting for the final snapshot; the snapshots "
               "written before are whole");
  }
  write_text("\n");
  ::_exit(128 + sig);
}

int grace_from_environment() {
  const char* text = std::getenv("TRAINKIT_STOP_GRACE");
  if (text == nullptr) return kDefaultGraceSeconds;
  char* end = nullptr;
  errno = 0;
  const long seconds = std::strtol(text, &end, 10);
  const bool whole = *text != '\0' && *end == '\0' && errno == 0;
  TK_CHECK(whole && seconds >= 1 && seconds <= kMaxGraceSeconds, ConfigError, "TRAINKIT_STOP_GRACE=\"",
           std::string(text).substr(0, 40), "\": expected a whole number of seconds from 1 to ", kMaxGraceSeconds);
  return static_cast<int>(seconds);
}

void install_handlers(struct sigaction* old_int, struct sigaction* old_term) {
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);  // one handler at a time: a second signal waits for the first to be noted
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART;  // a step's reads and writes go on; the loop takes the stop between iterations
  ::sigaction(SIGINT, &sa, old_int);
  ::sigaction(SIGTERM, &sa, old_term);
}

timespec seconds_from_now(int seconds) {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += seconds;
  return t;
}

// True when woken before the deadline.
bool wait_until(const timespec& deadline) {
  for (;;) {
    if (::sem_clockwait(&g_wake, CLOCK_MONOTONIC, &deadline) == 0) return true;
    if (errno != EINTR) return false;
  }
}

[[noreturn]] void abandon(Stage watched) {
  const int sig = g_signal.load();
  const int64_t iteration = g_iteration.load();
  const std::string what =
      watched == kSignalled
          ? str_cat("iteration ", iteration + 1, " did not end within ", g_grace_seconds,
                    " s of the signal (TRAINKIT_STOP_GRACE); abandoned it")
          : str_cat("the final snapshot and finalize at iteration ", iteration, " did not end within ",
                    g_grace_seconds, " s (TRAINKIT_STOP_GRACE); abandoned them");
  const std::string line = str_cat("trainkit: stopped by ", signal_name(sig), ": ", what,
                                   "; the snapshots written before are whole\n");
  write_stderr(line.data(), line.size());
  ::_exit(128 + sig);
}

// The watchdog of one DeferredStop: sleeps until a signal, then gives the loop one grace period to take
// the stop and the orderly stop one more.
void watch() {
  while (g_stage.load() == kRunning)
    while (::sem_wait(&g_wake) != 0 && errno == EINTR) {
    }
  Stage watched = kSignalled;
  timespec deadline = seconds_from_now(g_grace_seconds);
  for (;;) {
    const int stage = g_stage.load();
    if (stage == kDone) return;
    if (stage == kAcknowledged && watched == kSignalled) {
      watched = kAcknowledged;
      deadline = seconds_from_now(g_grace_seconds);
    }
    if (!wait_until(deadline) && g_stage.load() == watched) abandon(watched);
  }
}

}  // namespace

void install_stop_signals() {
  if (g_installed.load()) return;
  g_grace_seconds = grace_from_environment();
  bool expected = false;
  if (!g_installed.compare_exchange_strong(expected, true)) return;
  ::sem_init(&g_wake, 0, 0);
  install_handlers(nullptr, nullptr);
  ::signal(SIGXFSZ, SIG_IGN);
}

void set_stop_phase(const char* phase) { g_phase.store(phase); }

int stop_grace_seconds() { return g_grace_seconds; }

DeferredStop::DeferredStop() {
  install_stop_signals();
  g_signal.store(0);
  g_iteration.store(0);
  g_stage.store(kRunning);
  while (::sem_trywait(&g_wake) == 0) {
  }
  watchdog_ = std::thread(watch);
  // Catch2 and other hosts of the Trainer may have their own handlers: ours hold for the loop's lifetime.
  install_handlers(&old_int_, &old_term_);
  g_deferred.store(true);
}

DeferredStop::~DeferredStop() {
  set_stop_phase("ending the run");
  g_deferred.store(false);
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  g_stage.store(kDone);
  ::sem_post(&g_wake);
  watchdog_.join();
}

bool stop_requested() { return g_signal.load() != 0; }
int stop_signal() { return g_signal.load(); }

void acknowledge_stop() {
  g_stage.store(kAcknowledged);
  ::sem_post(&g_wake);
}

void note_iteration(int64_t iteration) { g_iteration.store(iteration, std::memory_order_relaxed); }

}  // namespace trainkit
