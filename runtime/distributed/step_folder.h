// trainkit distributed: `--resume PATH` where PATH is a step folder of the snapshot extension's sharded
// mode (plugins/snapshot/modes.hpp, Note [Sharded steps]): each rank loads its own part of it.
//
//   std::string file = part_to_load("out/snapshot_iter_300", /*rank=*/1);   // ".../rank_1"
//   part_to_load("out/snapshot_iter_300.tk", 1);                             // a file: itself
#pragma once

#include <string>

namespace trainkit::distributed {

// PATH itself unless it is a folder; for a folder, its part rank_K with K = rank modulo the number of parts
// it holds (data-parallel parts are replicas). ResumeError for a folder without the `complete` marker
// (a step some rank never finished) or without parts.
std::string part_to_load(const std::string& path, int rank);

}  // namespace trainkit::distributed
