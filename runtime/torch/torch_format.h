// trainkit torch: the "torch" snapshot format, a state tree as nested dicts that Python's torch.load opens.
// Torch-free header; the implementation (torch_format.cpp) uses LibTorch's pickler.
//
//   write_torch_file(tree, "/out/snapshot_iter_100");       // encode + atomic write
//   std::vector<char> bytes = encode_torch(tree);            // capture: encode once, in the parent ...
//   state::replace_file(path, bytes.data(), bytes.size());    // ... and let a forked child write the bytes
//   state::MemoryTree back = read_torch_file(path);          // ResumeError on anything wrong
//
//   >>> d = torch.load(path)                                 # Python
//   >>> d["model"]["1.weight"], d["trainer"]["iteration"], d["optimizer"]["groups"]["0"]["lr"]
//
// Note [The torch snapshot format]
// torch::pickle_save of one dict: each '/' of a state key opens a nested dict (string keys), and the
// leaves become int64 -> int, float64 -> float, bool -> bool, string -> str (must be UTF-8, which Python
// needs), tensor -> a CPU tensor of the leaf's dtype and shape, bytes -> a 1-d uint8 tensor. Reading
// reverses this, except that bytes come back as 1-d uint8 tensor leaves: state::MemoryLoader::bytes()
// reads those as bytes, so a session or plugin that saved bytes loads them unchanged.
// Why no marker for bytes: a reserved key would show up in every Python user's dict, and the loader
// already treats the two forms alike.
// Reading also accepts files written by Python's torch.save with the same shape of data (int dict keys
// become their decimal text, as in optimizer state_dicts); anything a state tree cannot hold (lists,
// None, tuples) is a ResumeError naming the key. Limits of LibTorch 1.13's unpickler, not ours: it reads
// no OrderedDict (so no Python state_dict) and no one-item dict pickled by Python (opcode SETITEM); those
// files are ResumeErrors too. Files trainkit writes never hit these (the C++ pickler uses SETITEMS).
//
// Note [What pickle_save writes]
// LibTorch 1.13's torch::pickle_save does not return a bare pickle: it returns a zip archive in PyTorch's
// own layout (the format torch.save uses since 1.6), so the file starts with the zip magic "PK\x03\x04",
// and its first entry is "archive/data/0" (the first tensor's bytes) or "archive/data.pkl" (no tensors).
// Python's torch.save writes "archive/data.pkl" first. torch::pickle_load reads only this zip form; a
// legacy torch.save file (a raw pickle, first byte 0x80) is not readable and not recognised.
#pragma once

#include <string>
#include <vector>

#include "state/memory_tree.h"

namespace trainkit {

// The file's bytes (Note [The torch snapshot format]). Throws TrainingError for a tree the format cannot
// hold: a key that is both a value and a scope ("a" and "a/b"), an empty key part, a string that is not
// UTF-8, or a tensor of a dtype LibTorch has no type for.
std::vector<char> encode_torch(const state::MemoryTree& tree);

// encode_torch + state::replace_file (Note [Atomic file replacement] in state/atomic_replace.h).
void write_torch_file(const state::MemoryTree& tree, const std::string& path);

// The tree back from bytes / a file. Never crashes on damaged input: the zip structure and every entry's
// CRC-32 are checked before LibTorch's pickle_load sees the bytes (it crashes on some damaged input, even
// an empty one), and every problem is a ResumeError "<what>: cannot read as a torch file: <reason>".
state::MemoryTree decode_torch(const std::vector<char>& bytes, const std::string& what);
state::MemoryTree read_torch_file(const std::string& path);

// True when the file starts like PyTorch's zip serialization (Note [What pickle_save writes]): the zip
// local-header magic "PK\x03\x04" and a first entry named "<folder>/data...". Reads 64 KiB at most; a
// missing or unreadable file is false.
bool looks_like_torch_file(const std::string& path);

}  // namespace trainkit
