// trainkit data: the `tensors` format, a file written by Python's `torch.save({"x": X, "y": Y})`: one field
// per dict entry, any names, any dtypes, the examples along each tensor's first dimension.
//
//   state::MemoryTree tree = read_torch_file(path);          // runtime/torch: decoding needs a reader
//   std::unique_ptr<data::Source> src = data::tensors_source(path, std::move(tree));
#pragma once

#include <memory>
#include <string>

#include "data/source.h"
#include "state/memory_tree.h"

namespace trainkit::data {

// The tensors of a decoded file as fields. ConfigError naming the file and the entry for an entry that is
// not a tensor (a number, a string, a nested dict) or a 0-d tensor, and for tensors of different lengths.
std::unique_ptr<Source> tensors_source(const std::string& path, state::MemoryTree tree);

}  // namespace trainkit::data
