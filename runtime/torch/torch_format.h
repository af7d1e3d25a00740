// trainkit torch: writing the "torch" snapshot format (Note [The torch snapshot format] in
// torchfile/torch_format.h, which also reads it). Torch-free header; the implementation uses LibTorch's
// pickler.
//
//   write_torch_file(tree, "/out/snapshot_iter_100");       // encode + atomic write
//   std::vector<char> bytes = encode_torch(tree);            // capture: encode once, in the parent ...
//   state::replace_file(path, bytes.data(), bytes.size());    // ... and let a forked child write the bytes
//
// Note [What pickle_save writes]
// LibTorch 1.13's torch::pickle_save does not return a bare pickle: it returns a zip archive in PyTorch's
// own layout (the format torch.save uses since 1.6), so the file starts with the zip magic "PK\x03\x04",
// and its first entry is "archive/data/0" (the first tensor's bytes) or "archive/data.pkl" (no tensors).
#pragma once

#include <string>
#include <vector>

#include "state/memory_tree.h"
#include "torchfile/torch_format.h"

namespace trainkit {

// The file's bytes (Note [The torch snapshot format]). Throws TrainingError for a tree the format cannot
// hold: a key that is both a value and a scope ("a" and "a/b"), an empty key part, a string that is not
// UTF-8, or a tensor of a dtype LibTorch has no type for.
std::vector<char> encode_torch(const state::MemoryTree& tree);

// encode_torch + state::replace_file (Note [Atomic file replacement] in state/atomic_replace.h).
void write_torch_file(const state::MemoryTree& tree, const std::string& path);

}  // namespace trainkit
