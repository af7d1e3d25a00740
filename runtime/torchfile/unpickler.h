// trainkit torchfile: reads the pickle that torch.save writes (data.pkl) into a Value tree without
// running anything: no Python, no LibTorch.
//
//   Value root = unpickle(pkl, pkl_size, [&](const std::string& key) { return entry_bytes("data/" + key); });
//
// Note [What the unpickler understands]
// The opcodes of pickle protocols 2 to 5 that build dicts, lists, tuples, ints, floats, bools, strings
// and None, the memo, and exactly the Python globals torch.save emits for a tensor or a state_dict:
// collections.OrderedDict (called with no arguments; its BUILD state, the `_metadata` of module versions,
// is ignored), torch._utils._rebuild_tensor_v2 (storage, offset, size, stride, requires_grad,
// backward_hooks[, metadata]), torch._utils._rebuild_parameter (tensor, requires_grad, backward_hooks),
// torch.<T>Storage as the type inside a persistent id ('storage', type, key, location, numel); and
// torch.jit._pickle.restore_type_tag (value, type string), which LibTorch's own pickler wraps around
// typed dicts (trainkit's torch snapshots were written by it before this folder existed): it is the value.
// Any other global is refused by name before anything is called: there is nothing to call. Tensors become
// views into their storage's bytes, checked to lie inside it; `location` ("cpu", "cuda:0") is ignored,
// since the bytes do not depend on it. The tree is bounded: 256 levels of nesting, and sub-objects the
// pickle shares (memo references) are expanded into at most a few times the pickle's object count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "torchfile/value.h"

namespace trainkit::torchfile {

struct ByteSpan {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

// The bytes of the storage named `key` in a persistent id; throws DamagedFile when there is none.
using StorageLookup = std::function<ByteSpan(const std::string& key)>;

// Note [What the unpickler understands]. Throws DamagedFile for a malformed pickle (truncated, an unknown
// opcode, a stack or memo misuse, a view outside its storage) and Unsupported for a valid pickle that
// holds something else (a Python object, bytes, an int beyond 64 bits, a quantized storage).
Value unpickle(const uint8_t* data, size_t size, const StorageLookup& storage);

}  // namespace trainkit::torchfile
