#include "torch/torch_format.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <ATen/ops/from_blob.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <map>
#include <variant>

#include "core/error.h"
#include "state/atomic_replace.h"
#include "torch/tensor_state.h"

namespace trainkit {
namespace {

using Dict = c10::impl::GenericDict;

Dict new_dict() { return Dict(c10::StringType::get(), c10::AnyType::get()); }

// Python decodes pickled strings as UTF-8 and refuses the whole file when one is not.
bool is_utf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

at::Tensor leaf_tensor(const std::string& path, const state::TensorLeaf& leaf) {
  std::optional<at::ScalarType> type = dl::scalar_type(leaf.dtype);
  TK_CHECK(type.has_value(), TrainingError, "state key '", path, "': the torch format cannot hold a tensor of ",
           dl::dtype_name(leaf.dtype));
  uint64_t numel = 1;
  bool fits = true;
  for (int64_t d : leaf.shape) fits = fits && d >= 0 && !__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
  uint64_t nbytes = 0;
  fits = fits && !__builtin_mul_overflow(numel, static_cast<uint64_t>(c10::elementSize(*type)), &nbytes);
  TK_CHECK(fits && nbytes == leaf.data.size(), TrainingError, "state key '", path, "': ", leaf.data.size(),
           " bytes for a ", dl::describe(leaf.dtype, leaf.shape), " tensor");
  const auto options = at::TensorOptions().dtype(*type);
  if (nbytes == 0) return at::empty(leaf.shape, options);
  // Borrows the leaf's bytes: the tree outlives pickle_save, which only reads them.
  return at::from_blob(const_cast<uint8_t*>(leaf.data.data()), leaf.shape, options);
}

c10::IValue to_ivalue(const std::string& path, const state::Leaf& leaf) {
  return std::visit(
      [&](const auto& v) -> c10::IValue {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, state::TensorLeaf>) {
          return leaf_tensor(path, v);
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          const auto n = static_cast<int64_t>(v.size());
          if (n == 0) return at::empty({0}, at::kByte);
          return at::from_blob(const_cast<uint8_t*>(v.data()), {n}, at::kByte);
        } else if constexpr (std::is_same_v<T, std::string>) {
          TK_CHECK(is_utf8(v), TrainingError, "state key '", path,
                   "': the string is not UTF-8, which the torch format (Python's torch.load) needs");
          return c10::IValue(v);
        } else {
          return c10::IValue(v);  // int64_t, double, bool: IValue keeps the three apart
        }
      },
      leaf);
}

}  // namespace

std::vector<char> encode_torch(const state::MemoryTree& tree) {
  try {
    Dict root = new_dict();
    std::map<std::string, Dict> scopes;  // "a/b/" -> the dict of scope a/b (a handle: copies share it)
    for (const auto& [path, leaf] : tree.leaves) {
      Dict dict = root;
      size_t start = 0;
      for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
        const std::string part = path.substr(start, slash - start);
        TK_CHECK(!part.empty(), TrainingError, "state key '", path, "' has an empty part");
        const std::string prefix = path.substr(0, slash + 1);
        auto it = scopes.find(prefix);
        if (it == scopes.end()) {
          TK_CHECK(!dict.contains(part), TrainingError, "state key '", path.substr(0, slash),
                   "' is both a value and a scope");
          Dict child = new_dict();
          dict.insert(part, child);
          it = scopes.emplace(prefix, child).first;
        }
        dict = it->second;
      }
      const std::string key = path.substr(start);
      TK_CHECK(!key.empty(), TrainingError, "state key '", path, "' has an empty part");
      TK_CHECK(!dict.contains(key), TrainingError, "state key '", path, "' is both a value and a scope");
      dict.insert(key, to_ivalue(path, leaf));
    }
    return torch::jit::pickle_save(c10::IValue(root));
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("cannot encode the state in the torch format: ", e.what_without_backtrace()));
  }
}

void write_torch_file(const state::MemoryTree& tree, const std::string& path) {
  const std::vector<char> bytes = encode_torch(tree);
  state::replace_file(path, bytes.data(), bytes.size());
}

}  // namespace trainkit
