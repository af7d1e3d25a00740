// trainkit torchfile: what a PyTorch file holds, as a small tree of plain values (its pickle, read).
//
//   const Value& root = file.root();                       // see torch_zip.h
//   if (const Value* model = root.find("model")) ...        // a dict entry by its str key
//   for (const auto& [key, value] : root.entries) ...       // dict entries in the file's order
//   std::vector<uint8_t> bytes(t.tensor.nbytes());
//   t.tensor.copy_compact(bytes.data());                    // row-major, whatever the strides
//   summary(root)                                           // "a dict with keys epoch, net"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dlpack/dlpack.h>

namespace trainkit::torchfile {

// A tensor as torch.save stores it: a view (offset, shape, strides in elements) into a storage, which is
// one zip entry's bytes. The reader has checked that every element of the view lies inside its storage.
// `storage` points into the file's bytes: valid while the TorchFile (or the buffer given to
// parse_torch_zip) lives.
struct TensorView {
  DLDataType dtype{};
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  const uint8_t* storage = nullptr;
  uint64_t storage_bytes = 0;
  std::string storage_key;  // its entry is "<archive>/data/<storage_key>"

  uint64_t numel() const;
  uint64_t nbytes() const;  // of the compact, row-major copy
  // True when the view is one row-major run of its storage, so its bytes are storage + offset * element.
  bool is_compact() const;
  // Writes nbytes() bytes, row-major. Handles any strides, 0 included (an expanded tensor).
  void copy_compact(uint8_t* out) const;
};

// Row-major strides as torch computes them for `shape` (a size-0 dimension counts as 1).
std::vector<int64_t> compact_strides(const std::vector<int64_t>& shape);

// Use to walk what a torch file holds. One struct for every kind keeps consumers simple: read the member
// that `kind` names. Strings hold the pickle's bytes as written (UTF-8 from Python).
struct Value {
  enum class Kind : uint8_t { none, boolean, integer, floating, string, list, tuple, dict, tensor };
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string string;
  std::vector<Value> items;                      // list, tuple
  std::vector<std::pair<Value, Value>> entries;  // dict: (key, value) in the file's order
  bool ordered = false;                          // dict: a collections.OrderedDict
  TensorView tensor;

  bool is(Kind k) const { return kind == k; }
  // The entry of a dict whose key is the str `key`; nullptr when absent or not a dict.
  const Value* find(std::string_view key) const;
};

// "None", "bool", "int", "float", "str", "list", "tuple", "dict", "tensor".
const char* kind_name(Value::Kind kind);

// A dict key as text: a str as is, an int in decimal (optimizer state dicts number their parameters),
// anything else as "<kind>".
std::string key_text(const Value& key);

// The most bytes that copying a file's tensors out may take in all, for a file of `file_size` bytes. A
// tensor may need more bytes than the file holds (an expanded tensor has stride 0, tensors share
// storages), but a crafted file must not make a reader allocate without bound.
uint64_t max_copied_bytes(uint64_t file_size);

// One phrase for messages: "a dict with keys epoch, net", "an OrderedDict of 12 tensors", "a list of 3
// items", "a float32 [3, 4] tensor", "an int", "None". At most 8 keys are named.
std::string summary(const Value& value);

}  // namespace trainkit::torchfile
