// trainkit torchfile: a Value tree pickled as torch.save pickles it (protocol 2), so Python's torch.load and
// this folder's unpickler read it back. Tensors become persistent ids of storages the caller writes.
//
//   std::vector<const TensorView*> storages;         // storage key i is storages[i]
//   std::vector<uint8_t> pkl = pickle_value(root, storages);
//
// Dicts are plain dicts (an OrderedDict is written as a dict: the order is kept either way), tensors are
// torch._utils._rebuild_tensor_v2 calls over a storage of their own, which holds the tensor's compact bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "torchfile/value.h"

namespace trainkit::torchfile {

// True for well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): what Python's
// unpickler needs of every str.
bool is_utf8(const std::string& s);

// The pickle of `root`. Each tensor is appended to `storages`, and its persistent id names storage key
// "<index>"; the tensor must be compact (TensorView::is_compact) with offset 0, and its dtype one that
// torch has a storage type for. Throws Unsupported, naming the dict keys leading to the value, for a str that
// is not UTF-8, a dict key that is not a str or an int, a tensor that is not compact or of another dtype.
std::vector<uint8_t> pickle_value(const Value& root, std::vector<const TensorView*>& storages);

}  // namespace trainkit::torchfile
