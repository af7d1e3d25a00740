#include "state/staged_tree.h"

#include <cstring>

#include "state/archive_writer.h"

namespace trainkit::state {

LeafView& StagingSaver::copy_in(const std::string& path, LeafType type, const void* data, size_t size) {
  LeafView& view = tree_.leaves[path];
  view = LeafView{};
  view.type = type;
  view.size = size;
  uint8_t* dst = tree_.memory.area().allocate(size);
  if (size > 0) std::memcpy(dst, data, size);
  view.data = dst;
  return view;
}

bool StagingSaver::put(const std::string& key, LeafType type, const void* data, size_t size) {
  copy_in(path(key), type, data, size);
  return true;
}

bool StagingSaver::value(const std::string& key, bool& v) {
  const uint8_t byte = v ? 1 : 0;  // normalized, as ArchiveSaver stores it
  return put(key, LeafType::kBool, &byte, 1);
}

bool StagingSaver::tensor(const std::string& key, const DLTensor& t) {
  std::string p = path(key);
  size_t nbytes = 0;
  const uint8_t* bytes = host_bytes(t, p, nbytes);
  LeafView& view = copy_in(p, LeafType::kTensor, bytes, nbytes);
  view.dtype = t.dtype;
  view.shape = tensor_shape(t);
  return true;
}

bool StagingSaver::tensor_info(const std::string&, DLDataType&, std::vector<int64_t>&) { return false; }

void write_archive(const StagedTree& tree, const std::string& path) {
  ArchiveWriter writer(path);
  for (const auto& [key, leaf] : tree.leaves) writer.add(key, leaf);
  writer.commit();
}

MemoryTree to_memory_tree(const StagedTree& tree) {
  MemoryTree out;
  for (const auto& [key, view] : tree.leaves) {
    const auto* p = static_cast<const uint8_t*>(view.data);
    Leaf leaf;
    switch (view.type) {
      case LeafType::kInt64: {
        int64_t v = 0;
        std::memcpy(&v, p, sizeof v);
        leaf = v;
        break;
      }
      case LeafType::kFloat64: {
        double v = 0;
        std::memcpy(&v, p, sizeof v);
        leaf = v;
        break;
      }
      case LeafType::kBool: leaf = *p != 0; break;
      case LeafType::kString: leaf = std::string(reinterpret_cast<const char*>(p), view.size); break;
      case LeafType::kBytes: leaf = std::vector<uint8_t>(p, p + view.size); break;
      case LeafType::kTensor: leaf = TensorLeaf{view.dtype, view.shape, std::vector<uint8_t>(p, p + view.size)}; break;
    }
    out.leaves.emplace_hint(out.leaves.end(), key, std::move(leaf));
  }
  return out;
}

}  // namespace trainkit::state
