// trainkit state: an in-memory state tree and the visitors that fill it and read it back.
//
//   state::MemoryTree tree;
//   { state::MemorySaver saver(tree); trigger.visit(saver); }
//   { state::MemoryLoader loader(tree); restored.visit(loader); }
//
//   // carry the state of an extension that is not loaded this run into the next snapshot, unchanged
//   state::graft(next, previous, "extensions/plot/");
//
// Keys are '/'-joined paths ("trainer/stop_trigger/previous_iteration"); the map keeps them sorted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "state/dl_tensor.h"
#include "state/path_visitor.h"

namespace trainkit::state {

// A tensor held by value: compact row-major bytes of `dtype` and `shape`.
struct TensorLeaf {
  DLDataType dtype{};
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};
bool operator==(const TensorLeaf& a, const TensorLeaf& b);
inline bool operator!=(const TensorLeaf& a, const TensorLeaf& b) { return !(a == b); }

using Leaf = std::variant<int64_t, double, bool, std::string, std::vector<uint8_t>, TensorLeaf>;

// "int64", "float64", "bool", "string", "bytes", "tensor".
const char* leaf_type_name(const Leaf& leaf);

// Use to hold a state tree in memory, e.g. in tests, before it is written out, or after it was read back.
struct MemoryTree {
  std::map<std::string, Leaf> leaves;
};

// The direct child scopes under `prefix` ("a/b/" or "a/b"; "" is the root), sorted and unique:
// keys "a/b/c/x" and "a/b/d/e/y" give {"c", "d"}; a leaf "a/b/k" is a key, not a scope.
// The leaf at path if it holds a T, else nullptr.
template <class T>
const T* find_leaf(const MemoryTree& tree, const std::string& path) {
  auto it = tree.leaves.find(path);
  return it == tree.leaves.end() ? nullptr : std::get_if<T>(&it->second);
}

std::vector<std::string> child_scopes(const MemoryTree& tree, const std::string& prefix);
// The leaves under `prefix`, with the prefix stripped from their keys.
MemoryTree subtree(const MemoryTree& tree, const std::string& prefix);
// Replaces everything `into` holds under `prefix` by what `from` holds under `prefix` (same full paths).
// Why replace rather than merge: a carried-forward scope must read back exactly as it was saved.
void graft(MemoryTree& into, const MemoryTree& from, const std::string& prefix);

// Feeds every leaf of `tree` to a SAVE-mode visitor, entering and leaving scopes at each '/', so any saver
// (an ArchiveSaver, say) can write a tree that was captured earlier. Leaves go in key order.
void replay(const MemoryTree& tree, Visitor& saver);

// Use to capture state into a MemoryTree. Tensors are copied before tensor() returns.
class MemorySaver final : public PathVisitor {
 public:
  explicit MemorySaver(MemoryTree& tree) : tree_(tree) {}
  Mode mode() const override { return Mode::kSave; }
  bool value(const std::string& key, int64_t& v) override { return put(key, v); }
  bool value(const std::string& key, double& v) override { return put(key, v); }
  bool value(const std::string& key, bool& v) override { return put(key, v); }
  bool value(const std::string& key, std::string& v) override { return put(key, v); }
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override { return put(key, v); }
  bool tensor(const std::string& key, const DLTensor& t) override;
  // Nothing saved can be described in SAVE mode: always false, so a visit() written for both modes works.
  bool tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) override;

 private:
  template <class T>
  bool put(const std::string& key, const T& v) {
    tree_.leaves[path(key)] = v;
    return true;
  }
  MemoryTree& tree_;
};

// Use to restore state from a MemoryTree. Types are strict (an int64 never reads a float64) except that
// bytes() also reads a 1-d uint8 tensor, the form the torch format stores bytes in. A type, dtype or shape
// that differs from the saved one throws trainkit::ResumeError naming the key.
class MemoryLoader final : public PathVisitor {
 public:
  explicit MemoryLoader(const MemoryTree& tree) : tree_(tree) {}
  Mode mode() const override { return Mode::kLoad; }
  bool value(const std::string& key, int64_t& v) override { return get(key, v); }
  bool value(const std::string& key, double& v) override { return get(key, v); }
  bool value(const std::string& key, bool& v) override { return get(key, v); }
  bool value(const std::string& key, std::string& v) override { return get(key, v); }
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override;
  bool tensor(const std::string& key, const DLTensor& t) override;
  bool tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) override;

 private:
  const Leaf* find(const std::string& full_path) const;
  [[noreturn]] void type_mismatch(const std::string& full_path, const Leaf& stored, const char* wanted) const;
  const TensorLeaf* find_tensor(const std::string& full_path) const;

  template <class T>
  bool get(const std::string& key, T& v) {
    std::string p = path(key);
    const Leaf* leaf = find(p);
    if (leaf == nullptr) return false;
    const T* stored = std::get_if<T>(leaf);
    if (stored == nullptr) type_mismatch(p, *leaf, leaf_type_name(Leaf(T{})));
    v = *stored;
    return true;
  }
  const MemoryTree& tree_;
};

}  // namespace trainkit::state
