// trainkit trainer: the run's output folder, created and locked for the life of the run, and cleared of the
// temp files an interrupted run left.
//
//   OutDirLock lock(manifest.trainer.out);   // ConfigError if another live run holds it
//   for (auto& name : remove_orphan_temp_files(lock)) ...;   // ".tmp.snapshot_iter_50.4242.9f...", removed
//
// Rationale: an flock dies with its process, so a crashed or killed run never leaves a stale lock.
#pragma once

#include <string>
#include <vector>

namespace trainkit {

class OutDirLock {
 public:
  explicit OutDirLock(const std::string& dir);
  ~OutDirLock();
  const std::string& dir() const { return dir_; }
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  std::string dir_;
  int fd_ = -1;
};

// Note [Orphan temp files]: removes, from the locked folder and its sub-folders, every regular file whose
// name only an interrupted atomic write makes (state::is_temp_file_name), unless the process that wrote it
// is still alive; returns their paths relative to the folder. Taking the lock proves that no other run
// writes there: a writer process forked by a killed run holds the lock until it ends. Failures to list or
// remove are left for the next run: this cleans up, it never fails a run.
std::vector<std::string> remove_orphan_temp_files(const OutDirLock& lock);

// mkdir -p; ConfigError naming the path on failure.
void make_directories(const std::string& dir);

}  // namespace trainkit
