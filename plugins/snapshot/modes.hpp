// snapshot: ppe's snapshot_mode in a run of several ranks — who writes what where, and which snapshot every
// rank resumes from.
//
//   Mode mode = resolve_mode(cfg.get_choice("snapshot_mode"), cfg.get_choice("mode"), ranks.world_size());
//   StepFolder step(out_dir + "/snapshot_iter_300");
//   step.part(1);                        // ".../snapshot_iter_300/rank_1"
//   mark_complete(step, 300, 2);         // ".../snapshot_iter_300/complete", after every part is in place
//
// Note [Sharded steps]
// In "sharded" mode every rank writes its own part of one step into the step's folder, and the step counts
// only once the saver rank has written `complete` into the folder, after a barrier that every rank reaches
// with its part committed (each part is written like any snapshot: temp file, fsync, rename, fsync of the
// folder). Before anyone writes, the saver removes an old `complete` (a fixed filename rewrites the same
// folder) and every rank waits at a barrier, so a folder marked complete never holds a part of another step.
// A kill -9 of any rank at any moment therefore leaves every earlier complete step whole: the new folder has
// no marker yet, and retention deletes an old folder only after the new one is marked, marker first.
// `complete` holds {"iteration": N, "world_size": W}, so a run resumed with fewer or more ranks knows the
// parts there are (rank K loads rank_(K mod W): data-parallel parts are replicas).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <trainkit/sdk/distributed.hpp>

namespace snapshot_plugin {

// single: a run of one process. distributed: the saver rank writes one file every rank loads (ppe's
// DISTRIBUTED). sharded: Note [Sharded steps].
enum class Mode { single, distributed, sharded };

// `snapshot_mode` is ppe's name; `mode` is the name trainkit 0.1 declared. "default" is the one process's
// snapshot, and in a run of several ranks what ppe makes of DEFAULT with a saver_rank: distributed.
// Throws tk::Error(TK_ERR_INVALID) when the two name different modes.
Mode resolve_mode(const std::string& snapshot_mode, const std::string& mode, int world_size);

// Use to name the files of one step folder of the sharded mode.
class StepFolder {
 public:
  explicit StepFolder(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  std::string part(int rank) const { return path_ + "/rank_" + std::to_string(rank); }
  std::string marker() const { return path_ + "/complete"; }

 private:
  std::string path_;
};

// The folder exists (created if not); its parent folder's entry is on disk. Throws tk::Error(TK_ERR_IO).
void make_step_folder(const StepFolder& step);
// Removes `complete` if present, durably: from now on the folder is not a complete step. Throws tk::Error.
void unmark(const StepFolder& step);
void mark_complete(const StepFolder& step, int64_t iteration, int world_size);

struct Marker {
  int64_t iteration = 0;
  int world_size = 1;
};
// nullopt when there is no marker or it does not parse.
std::optional<Marker> read_marker(const StepFolder& step);

// Deletes a step folder, marker first (durably), then everything in it; "" when done, else what failed.
std::string remove_step(const StepFolder& step);

// One step this rank could resume from: a complete folder, and the part it would load there.
struct StepCandidate {
  std::string name;   // the folder's name in out/
  int64_t iteration;  // from its marker
  std::string part;   // this rank's part: rank_K, or rank_(K mod W) for a step written by W ranks
};

// Note [Agreeing on a sharded step] (modes.cpp). `candidates` newest first; `loads(c)` says whether this
// rank can load c's part (verified lazily, newest first, each at most once). Returns the part this rank
// loads, or "" when no step is loadable on every rank. Every rank must call it.
std::string agree_on_step(const tk::Distributed& ranks, int saver_rank, const std::vector<StepCandidate>& candidates,
                          const std::function<bool(const StepCandidate&)>& loads);

}  // namespace snapshot_plugin
