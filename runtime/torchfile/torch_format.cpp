#include "torchfile/torch_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"
#include "state/dl_tensor.h"
#include "torchfile/errors.h"
#include "torchfile/torch_zip.h"

namespace trainkit::torchfile {
namespace {

constexpr DLDataType kStateDtypes[] = {
    {kDLFloat, 32, 1}, {kDLFloat, 64, 1}, {kDLFloat, 16, 1}, {kDLBfloat, 16, 1}, {kDLUInt, 8, 1},
    {kDLInt, 8, 1},    {kDLInt, 16, 1},   {kDLInt, 32, 1},   {kDLInt, 64, 1},   {6, 8, 1},  // bool
};

[[noreturn]] void refuse(const std::string& what, const std::string& reason) {
  throw ResumeError(str_cat(what, ": cannot read as a torch file: ", reason));
}

class Flattener {
 public:
  Flattener(state::MemoryTree& tree, uint64_t max_bytes) : tree_(tree), left_(max_bytes) {}

  void dict(const Value& dict, const std::string& prefix) {
    for (const auto& [key, value] : dict.entries) {
      const std::string path = prefix + key_of(key, prefix);
      if (value.is(Value::Kind::dict)) {
        dict_at(value, path);
        continue;
      }
      if (!tree_.leaves.emplace(path, leaf(value, path)).second) twice(path);
    }
  }

 private:
  void dict_at(const Value& value, const std::string& path) {
    // A key that is both a value and a scope ("a" and "a/b") cannot come back: int key 1 and str key "1".
    if (tree_.leaves.count(path) != 0) twice(path);
    dict(value, path + "/");
  }
  [[noreturn]] static void twice(const std::string& path) { throw Unsupported(str_cat("the key '", path, "' appears twice")); }

  static std::string key_of(const Value& key, const std::string& prefix) {
    if (!key.is(Value::Kind::string) && !key.is(Value::Kind::integer))
      throw Unsupported(str_cat("a dict under '", prefix, "' has a ", kind_name(key.kind), " key"));
    std::string text = key_text(key);
    if (text.empty() || text.find('/') != std::string::npos)
      throw Unsupported(str_cat("the key '", text, "' under '", prefix, "' is empty or holds '/'"));
    return text;
  }

  state::Leaf leaf(const Value& value, const std::string& path) {
    switch (value.kind) {
      case Value::Kind::boolean: return value.boolean;
      case Value::Kind::integer: return value.integer;
      case Value::Kind::floating: return value.floating;
      case Value::Kind::string: return value.string;
      case Value::Kind::tensor: return tensor(value.tensor, path);
      default:
        throw Unsupported(str_cat("'", path, "' holds a ", kind_name(value.kind), ", which a trainkit state tree cannot hold"));
    }
  }

  state::TensorLeaf tensor(const TensorView& t, const std::string& path) {
    if (!is_state_dtype(t.dtype))
      throw Unsupported(str_cat("'", path, "' is a tensor of ", state::dtype_name(t.dtype), ", which trainkit does not store"));
    const uint64_t n = t.nbytes();
    if (n > left_) throw Unsupported(str_cat("'", path, "' and the tensors before it need more memory than a file this size may"));
    left_ -= n;
    return copy_to_leaf(t);
  }

  state::MemoryTree& tree_;
  uint64_t left_;
};

}  // namespace

bool is_state_dtype(DLDataType dtype) {
  for (const DLDataType& d : kStateDtypes)
    if (state::same_dtype(d, dtype)) return true;
  return false;
}

state::TensorLeaf copy_to_leaf(const TensorView& t) {
  state::TensorLeaf leaf;
  leaf.dtype = t.dtype;
  leaf.shape = t.shape;
  leaf.data.resize(static_cast<size_t>(t.nbytes()));
  t.copy_compact(leaf.data.data());
  return leaf;
}

state::MemoryTree to_state_tree(const Value& root, uint64_t max_bytes) {
  if (!root.is(Value::Kind::dict)) throw Unsupported(str_cat("the file holds ", summary(root), ", not a dict"));
  state::MemoryTree tree;
  Flattener(tree, max_bytes).dict(root, "");
  return tree;
}

state::MemoryTree decode_torch(const uint8_t* data, size_t size, const std::string& what) {
  try {
    const TorchZip zip = parse_torch_zip(data, size);
    if (zip.kind == TorchZip::Kind::torchscript)
      throw Unsupported("it is a TorchScript module (torch.jit.save), not a dict of state");
    return to_state_tree(zip.root, max_copied_bytes(size));
  } catch (const Error& e) {
    refuse(what, e.what());
  }
}

state::MemoryTree read_torch_file(const std::string& path) {
  MappedFile file;
  try {
    file = MappedFile::open(path);
  } catch (const Error& e) {
    throw ResumeError(str_cat(path, ": ", e.what()));
  }
  return decode_torch(file.data(), file.size(), path);
}

bool looks_like_torch_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  // A zip local file header: magic, 22 bytes of fields, u16 name length at 26, u16 extra length, name at 30.
  unsigned char head[30 + 64] = {};
  struct stat st {};
  const ssize_t n = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? ::pread(fd, head, sizeof head, 0) : -1;
  ::close(fd);
  if (n < 30 || std::memcmp(head, "PK\x03\x04", 4) != 0) return false;
  const size_t name_len = std::min<size_t>(head[26] | (size_t{head[27]} << 8), static_cast<size_t>(n) - 30);
  const std::string name(reinterpret_cast<const char*>(head + 30), name_len);
  const size_t slash = name.find('/');
  return slash != std::string::npos && slash > 0 && name.compare(slash + 1, 4, "data") == 0;
}

}  // namespace trainkit::torchfile
