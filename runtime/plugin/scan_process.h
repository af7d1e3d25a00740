// trainkit plugins: run the plugin scanner on one file in a short-lived child process, with a time limit.
//
//   ScanOutcome o = run_scanner("/usr/libexec/trainkit/trainkit-plugin-scanner", "/p/x.so", 30.0);
//   o.verdict.passed;  // or refused: the scanner's own reason, or how it ended, e.g.
//                      // "the plugin scanner exited with code 127 while loading it; it printed:
//                      //  Inconsistency detected by ld.so: ..."
//   o.cacheable;       // false when the end says nothing about the file (time limit, killed from outside)
//
// Note [The scanner is spawned and exec'd, not forked]: a plain fork() would copy trainkit as it is: its
// LibTorch thread pools (a child of a threaded process may only call async-signal-safe functions until
// it execs, and dlopen or malloc are not), the plugins already loaded (whose state a new plugin's
// constructors could meet), every open descriptor (the out folder's lock) and the signal handlers. The
// scanner is a small executable of its own (no LibTorch, a few milliseconds to start) started with
// posix_spawn: a fresh process image with only stdin (/dev/null), stdout and stderr (one pipe) and fd 3
// (the verdict), all signals at their defaults, in a process group of its own so a plugin's leftover
// children are killed with it. GStreamer's gst-plugin-scanner works the same way; unlike it, one
// scanner process judges one file, so no plugin's constructors can change another's verdict.
#pragma once

#include <string>

#include "plugin/scan_cache.h"

namespace trainkit {

struct ScanOutcome {
  ScanVerdict verdict;
  bool cacheable = false;  // a property of the file: its verdict, or a crash while loading it
};

// Starts `scanner -- file`, waits at most timeout_seconds for it to end (then kills its process group)
// and judges how it ended. Never throws for anything the child does.
ScanOutcome run_scanner(const std::string& scanner, const std::string& file, double timeout_seconds);

// What the child printed, as a short message part: "" or "; it printed: <first two lines, cut to 240
// characters>". Control characters become '?'.
std::string printed_summary(const std::string& output);

}  // namespace trainkit
