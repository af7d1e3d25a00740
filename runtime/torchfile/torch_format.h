// trainkit torchfile: the "torch" snapshot format, a state tree as nested dicts that Python's torch.load
// opens, and back. No LibTorch.
//
//   state::MemoryTree back = read_torch_file(path);          // ResumeError on anything wrong
//   bool torch = looks_like_torch_file(path);                 // a cheap look at the first entry
//
//   >>> d = torch.load(path)                                 # Python
//   >>> d["model"]["1.weight"], d["trainer"]["iteration"], d["optimizer"]["groups"]["0"]["lr"]
//
// Note [The torch snapshot format]
// One dict in PyTorch's zip format (Note [PyTorch's zip layout] in torch_zip.h): each '/' of a state key
// opens a nested dict (str keys), and the leaves become int64 -> int, float64 -> float, bool -> bool,
// string -> str (must be UTF-8, which Python needs), tensor -> a CPU tensor of the leaf's dtype and shape,
// bytes -> a 1-d uint8 tensor. Reading reverses this, except that bytes come back as 1-d uint8 tensor
// leaves: state::MemoryLoader::bytes() reads those as bytes, so a session or plugin that saved bytes loads
// them unchanged. Why no marker for bytes: a reserved key would show up in every Python user's dict, and
// the loader already treats the two forms alike.
// Reading also accepts what Python's torch.save writes with the same shape of data: an OrderedDict (a
// state_dict) is a dict, int dict keys become their decimal text (as in optimizer state_dicts), a tensor
// of any strides comes back compact. Tensor dtypes are those LibTorch and DLPack share (float16/32/64,
// bfloat16, int8/16/32/64, uint8, bool). Anything a state tree cannot hold (lists, tuples, None, other
// dtypes) is a ResumeError naming the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "state/memory_tree.h"
#include "torchfile/value.h"

namespace trainkit::torchfile {

// True for the tensor dtypes of Note [The torch snapshot format].
bool is_state_dtype(DLDataType dtype);

// A compact, row-major copy of the view as a state tree leaf (t.nbytes() bytes; the caller bounds them).
state::TensorLeaf copy_to_leaf(const TensorView& t);

// The state tree a file's root dict holds (Note [The torch snapshot format]). Throws Unsupported naming
// the key for anything a state tree cannot hold, or when the copies would pass `max_bytes`.
state::MemoryTree to_state_tree(const Value& root, uint64_t max_bytes);

// The tree from a torch file's bytes / from a file. Never crashes on damaged input; every problem is a
// ResumeError "<what>: cannot read as a torch file: <reason>".
state::MemoryTree decode_torch(const uint8_t* data, size_t size, const std::string& what);
state::MemoryTree read_torch_file(const std::string& path);

// True when the file starts like PyTorch's zip format: the zip local-header magic "PK\x03\x04" and a
// first entry named "<folder>/data..." (data.pkl from torch.save, data/0 from older LibTorch writers).
// Reads one header; a missing or unreadable file, a FIFO or a folder is false.
bool looks_like_torch_file(const std::string& path);

}  // namespace trainkit::torchfile
