// trainkit snapshot writer: one trainkit-snapshot-writer process as trainkit sees it — started with
// posix_spawn (no fork of the trainer), handed captured trees one at a time, answering for each.
//
//   snapshot_writer::WriterProcess writer(libexec_file("trainkit-snapshot-writer"));   // throws if missing
//   writer.send(snapshot.tree, "trainkit", "/out/snapshot_iter_100");  // returns once the writer has it
//   std::string why = writer.result();   // blocks; "" when the file is in place
//   writer.stop();                        // or ~WriterProcess: the writer finishes what it has, then exits
//
// The writer maps the tree's staging memory read-only from the memfd that goes with each request, so the
// tree must stay captured (its lease held) until result() answered for it. The process ignores SIGINT,
// SIGTERM and SIGHUP (a signal meant for the run, e.g. Ctrl-C to the terminal's process group, must not cut a
// write short) and exits when trainkit closes its end or dies: a file it began is always finished.
#pragma once

#include <sys/types.h>

#include <string>

#include "state/staged_tree.h"

namespace trainkit::snapshot_writer {

// Use from one thread at a time (the caller serializes send, result and stop).
class WriterProcess {
 public:
  // Throws TrainingError naming `executable` when it cannot be started (missing, not executable).
  explicit WriterProcess(const std::string& executable);
  ~WriterProcess();
  WriterProcess(const WriterProcess&) = delete;
  WriterProcess& operator=(const WriterProcess&) = delete;

  // Hands the writer one tree to write to path. Throws TrainingError when the writer is gone.
  void send(const state::StagedTree& tree, const std::string& format, const std::string& path);
  // Waits for the answer to the oldest send not answered yet: "" when its file is in place, else why not
  // (the writer's error, or how the process ended; a writer that ended answers that from then on).
  std::string result();
  // Closes trainkit's end and waits for the process to exit (it finishes a write in progress first).
  void stop() noexcept;

  pid_t pid() const { return pid_; }

 private:
  std::string ended(const std::string& doing);  // reaps the process, says how it ended

  pid_t pid_ = -1;
  int socket_ = -1;
  std::string gone_;  // set once the process has ended: what every later call answers
};

}  // namespace trainkit::snapshot_writer
