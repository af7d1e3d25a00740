// trainkit data: the `tensors` format, a file written by Python's `torch.save({"x": X, "y": Y})`: one field
// per dict entry, any names, any dtypes, the examples along each tensor's first dimension. Read with the
// torch-free reader (runtime/torchfile) and memory-mapped: a contiguous tensor is used where it lies in
// the file, only a strided one is copied.
//
//   std::unique_ptr<data::Source> src = data::open_tensors("train.pt");   // ConfigError naming file and entry
#pragma once

#include <memory>
#include <string>

#include "data/source.h"
#include "torchfile/value.h"

namespace trainkit::data {

// Opens the file. ConfigError "<path>: cannot read as a torch file: <reason>" for a damaged file, and
// "<path> holds <what>; the tensors format reads ..." for a sound file of anything else.
std::unique_ptr<Source> open_tensors(const std::string& path);

// The tensors of a file's root dict as fields; `owner` keeps the bytes the views point into alive.
// ConfigError naming the file and the entry for an entry that is not a tensor (a number, a string, a
// nested dict), a 0-d tensor or a dtype without a field type, and for tensors of different lengths.
std::unique_ptr<Source> tensors_source(const std::string& path, const torchfile::Value& root,
                                       std::shared_ptr<const void> owner);

}  // namespace trainkit::data
