// snapshot: the files one instance wrote, in order, and which of them n_retains lets go.
//
//   FileList files(/*n_retains=*/3);
//   files.schedule("snapshot_iter_4");               // main thread, before the state is captured
//   auto victims = files.commit("snapshot_iter_4");  // once the file is renamed into place (any thread)
//   for (auto& name : victims) remove_file(dir, name, host);
//
// The list is the instance's state, so retention keeps working after a resume. It holds plain names in
// out/ (never '/' or ".tmp.*"), so it only ever deletes files this instance wrote, and a run resumed with
// another --out keeps working. See Note [Scheduled names are saved].
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace snapshot_plugin {

// Use to track committed and in-flight snapshot files; safe to call from the main thread and the writers.
class FileList {
 public:
  explicit FileList(int64_t n_retains) : n_retains_(n_retains) {}

  // A write of name was started (its state is about to be captured).
  void schedule(const std::string& name);
  // That write failed or never started: forget it (the file may still exist from an older write).
  void unschedule(const std::string& name);
  // That write is in place. Moves name to the newest end and returns the oldest committed names beyond
  // n_retains, already removed from the list, for the caller to delete.
  std::vector<std::string> commit(const std::string& name);

  // Committed names, oldest first, then the scheduled ones: what the instance saves.
  std::vector<std::string> saved() const;
  std::vector<std::string> committed() const;
  // Replaces everything with names loaded from a snapshot; they count as committed. Throws
  // tk::Error(TK_ERR_INVALID) for a name that is not a plain file name.
  void restore(const std::vector<std::string>& names);

  std::string to_json() const;
  static std::vector<std::string> from_json(const std::string& text);

 private:
  const int64_t n_retains_;  // -1: keep all
  mutable std::mutex mutex_;
  std::vector<std::string> committed_;  // unique, oldest first
  std::vector<std::string> scheduled_;  // in the order the writes were started
};

// Deletes dir/name; a file already gone is fine, any other failure is returned as a message ("" = done).
std::string remove_file(const std::string& dir, const std::string& name);

}  // namespace snapshot_plugin
