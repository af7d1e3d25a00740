// trainkit trainer: the run's output folder, created and locked for the life of the run.
//
//   OutDirLock lock(manifest.trainer.out);   // ConfigError if another live run holds it
//
// Rationale: an flock dies with its process, so a crashed or killed run never leaves a stale lock.
#pragma once

#include <string>

namespace trainkit {

class OutDirLock {
 public:
  explicit OutDirLock(const std::string& dir);
  ~OutDirLock();
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  int fd_ = -1;
};

// mkdir -p; ConfigError naming the path on failure.
void make_directories(const std::string& dir);

}  // namespace trainkit
