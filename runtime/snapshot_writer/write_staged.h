// trainkit snapshot writer: a captured state to its file, in the format it was captured for. The one
// place that chooses the encoder, for the host's writer threads (trainer/snapshot_io.h) and the writer
// process (main.cpp) alike.
//
//   snapshot_writer::write_staged_tree(tree, "torch", "/out/snapshot_iter_100");   // atomic; throws
#pragma once

#include <string>

#include "state/staged_tree.h"

namespace trainkit::snapshot_writer {

// format "torch": runtime/torchfile's streamed torch writer; anything else the "trainkit" archive. Both
// replace `path` atomically (hidden temp file, fsync, rename, fsync of the folder). Calls no LibTorch code.
void write_staged_tree(const state::StagedTree& tree, const std::string& format, const std::string& path);

}  // namespace trainkit::snapshot_writer
