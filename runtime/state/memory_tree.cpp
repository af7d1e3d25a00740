#include "state/memory_tree.h"

#include <cstring>

#include "core/error.h"

namespace trainkit::state {
namespace {

std::string as_prefix(const std::string& prefix) {
  if (prefix.empty() || prefix.back() == '/') return prefix;
  return prefix + "/";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The leaves under `prefix`: [first, last) of the sorted map.
template <class Map>
auto prefix_range(Map& leaves, const std::string& prefix) {
  auto first = leaves.lower_bound(prefix);
  auto last = first;
  while (last != leaves.end() && starts_with(last->first, prefix)) ++last;
  return std::make_pair(first, last);
}

bool is_byte_vector(const TensorLeaf& t) {
  return t.dtype.code == kDLUInt && t.dtype.bits == 8 && t.dtype.lanes == 1 && t.shape.size() == 1;
}

}  // namespace

bool operator==(const TensorLeaf& a, const TensorLeaf& b) {
  return same_dtype(a.dtype, b.dtype) && a.shape == b.shape && a.data == b.data;
}

const char* leaf_type_name(const Leaf& leaf) {
  static const char* const kNames[] = {"int64", "float64", "bool", "string", "bytes", "tensor"};
  return kNames[leaf.index()];
}

std::vector<std::string> child_scopes(const MemoryTree& tree, const std::string& prefix) {
  std::string p = as_prefix(prefix);
  std::vector<std::string> scopes;
  auto [first, last] = prefix_range(tree.leaves, p);
  for (auto it = first; it != last; ++it) {
    size_t slash = it->first.find('/', p.size());
    if (slash == std::string::npos) continue;  // a key directly under prefix
    std::string name = it->first.substr(p.size(), slash - p.size());
    if (scopes.empty() || scopes.back() != name) scopes.push_back(std::move(name));
  }
  return scopes;
}

MemoryTree subtree(const MemoryTree& tree, const std::string& prefix) {
  std::string p = as_prefix(prefix);
  MemoryTree out;
  auto [first, last] = prefix_range(tree.leaves, p);
  for (auto it = first; it != last; ++it) out.leaves.emplace_hint(out.leaves.end(), it->first.substr(p.size()), it->second);
  return out;
}

void graft(MemoryTree& into, const MemoryTree& from, const std::string& prefix) {
  std::string p = as_prefix(prefix);
  auto [old_first, old_last] = prefix_range(into.leaves, p);
  into.leaves.erase(old_first, old_last);
  auto [first, last] = prefix_range(from.leaves, p);
  into.leaves.insert(first, last);
}

void replay(const MemoryTree& tree, Visitor& saver) {
  TK_INTERNAL_ASSERT(saver.saving());
  std::vector<std::string> open;  // the scopes entered so far
  for (const auto& [path, leaf] : tree.leaves) {
    std::vector<std::string> scopes;
    size_t start = 0;
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1)
      scopes.push_back(path.substr(start, slash - start));
    std::string key = path.substr(start);
    size_t common = 0;
    while (common < open.size() && common < scopes.size() && open[common] == scopes[common]) ++common;
    for (; open.size() > common; open.pop_back()) saver.leave();
    for (size_t i = common; i < scopes.size(); ++i) {
      saver.enter(scopes[i]);
      open.push_back(scopes[i]);
    }
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, TensorLeaf>) {
            DLTensor t{};
            t.data = const_cast<uint8_t*>(v.data.data());  // DLTensor has no const view; SAVE only reads it
            t.device = {kDLCPU, 0};
            t.ndim = static_cast<int>(v.shape.size());
            t.dtype = v.dtype;
            t.shape = const_cast<int64_t*>(v.shape.data());
            saver.tensor(key, t);
          } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
            T copy = v;
            saver.bytes(key, copy);
          } else {
            T copy = v;
            saver.value(key, copy);
          }
        },
        leaf);
  }
  for (; !open.empty(); open.pop_back()) saver.leave();
}

bool MemorySaver::tensor(const std::string& key, const DLTensor& t) {
  std::string p = path(key);
  size_t nbytes = 0;
  const uint8_t* bytes = host_bytes(t, p, nbytes);
  TensorLeaf leaf;
  leaf.dtype = t.dtype;
  leaf.shape = tensor_shape(t);
  leaf.data.assign(bytes, bytes + nbytes);
  tree_.leaves[p] = std::move(leaf);
  return true;
}

bool MemorySaver::tensor_info(const std::string&, DLDataType&, std::vector<int64_t>&) { return false; }

const Leaf* MemoryLoader::find(const std::string& full_path) const {
  auto it = tree_.leaves.find(full_path);
  return it == tree_.leaves.end() ? nullptr : &it->second;
}

void MemoryLoader::type_mismatch(const std::string& full_path, const Leaf& stored, const char* wanted) const {
  throw ResumeError(str_cat("state key '", full_path, "' holds ", leaf_type_name(stored),
                            " in the snapshot; this run reads it as ", wanted));
}

const TensorLeaf* MemoryLoader::find_tensor(const std::string& full_path) const {
  const Leaf* leaf = find(full_path);
  if (leaf == nullptr) return nullptr;
  const auto* t = std::get_if<TensorLeaf>(leaf);
  if (t == nullptr) type_mismatch(full_path, *leaf, "tensor");
  return t;
}

bool MemoryLoader::bytes(const std::string& key, std::vector<uint8_t>& v) {
  std::string p = path(key);
  const Leaf* leaf = find(p);
  if (leaf == nullptr) return false;
  if (const auto* b = std::get_if<std::vector<uint8_t>>(leaf)) {
    v = *b;
    return true;
  }
  const auto* t = std::get_if<TensorLeaf>(leaf);
  if (t == nullptr || !is_byte_vector(*t)) type_mismatch(p, *leaf, "bytes");
  v = t->data;
  return true;
}

bool MemoryLoader::tensor(const std::string& key, const DLTensor& t) {
  std::string p = path(key);
  const TensorLeaf* saved = find_tensor(p);
  if (saved == nullptr) return false;
  std::vector<int64_t> shape = tensor_shape(t);
  if (!same_dtype(saved->dtype, t.dtype) || saved->shape != shape)
    throw ResumeError(str_cat("state key '", p, "': the snapshot has a ", dtype_name(saved->dtype), " ",
                              shape_text(saved->shape), " tensor, this run expects ", dtype_name(t.dtype), " ",
                              shape_text(shape)));
  size_t nbytes = 0;
  auto* dst = const_cast<uint8_t*>(host_bytes(t, p, nbytes));  // LOAD writes through DLTensor::data
  TK_CHECK(nbytes == saved->data.size(), ResumeError, "state key '", p, "': the snapshot holds ",
           saved->data.size(), " bytes for a ", dtype_name(saved->dtype), " ", shape_text(saved->shape),
           " tensor, which needs ", nbytes);
  if (nbytes != 0) std::memcpy(dst, saved->data.data(), nbytes);
  return true;
}

bool MemoryLoader::tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) {
  const TensorLeaf* saved = find_tensor(path(key));
  if (saved == nullptr) return false;
  dtype = saved->dtype;
  shape = saved->shape;
  return true;
}

}  // namespace trainkit::state
