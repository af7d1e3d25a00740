// trainkit state: a borrowed view of one leaf (type, tensor dtype and shape, payload bytes), so a leaf can
// be written out from wherever it lives (a MemoryTree, a visited variable, a tensor) without a copy.
//
//   writer.add("trainer/iteration", state::view_of(tree.leaves.at("trainer/iteration")));
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <dlpack/dlpack.h>

#include "state/memory_tree.h"

namespace trainkit::state {

// The leaf types as stored in an archive; the numbers are part of the format (archive_format.h).
enum class LeafType : uint8_t { kInt64 = 1, kFloat64 = 2, kBool = 3, kString = 4, kBytes = 5, kTensor = 6 };

// Use to pass a leaf to ArchiveWriter::add; it borrows `data` and must not outlive it.
// Payloads: int64/float64 are their 8 native bytes, bool 1 byte (0 or 1), string its characters,
// bytes themselves, a tensor its compact row-major bytes.
struct LeafView {
  LeafType type = LeafType::kBytes;
  DLDataType dtype{};           // tensors only
  std::vector<int64_t> shape;   // tensors only
  const void* data = nullptr;
  size_t size = 0;
};

// A view of a MemoryTree leaf; scalars point into `leaf` itself.
LeafView view_of(const Leaf& leaf);

}  // namespace trainkit::state
