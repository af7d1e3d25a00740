#include "torch/torch_format.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <ATen/ops/from_blob.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
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

[[noreturn]] void refuse(const std::string& what, const std::string& reason) {
  throw ResumeError(str_cat(what, ": cannot read as a torch file: ", reason));
}

// Note [Check the zip before pickle_load]
// LibTorch 1.13's pickle_load trusts its input: an empty buffer or a damaged archive can crash it
// (SIGSEGV) rather than throw. So the archive is checked here first, by zip structure alone: the end
// records (zip64 too: PyTorch always writes them), every central directory entry and its local header
// within bounds and agreeing, every entry stored (PyTorch never compresses) with a matching CRC-32, and
// a "<folder>/data.pkl" entry. After that pickle_load only sees bytes that are exactly what a writer
// wrote. (A deliberately crafted pickle is another matter; snapshots are trusted input.)
class ZipCheck {
 public:
  ZipCheck(const std::vector<char>& bytes, const std::string& what) : bytes_(bytes), what_(what) {}

  void run() {
    const size_t size = bytes_.size();
    if (size < 22) fail(str_cat("the file is ", size, " bytes, too short for a zip archive"));
    // The end of central directory record: 22 bytes and a comment of up to 64 KiB at the very end.
    size_t eocd = std::string::npos;
    const size_t lowest = size >= 22 + 0xFFFF ? size - 22 - 0xFFFF : 0;
    for (size_t pos = size - 22 + 1; pos-- > lowest;) {
      if (sig(pos, 0x06054b50) && pos + 22 + u16(pos + 20) == size) {
        eocd = pos;
        break;
      }
    }
    if (eocd == std::string::npos) fail("no zip end record (the file is truncated or not a zip archive)");
    uint64_t entries = u16(eocd + 10);
    uint64_t cd_size = u32(eocd + 12);
    uint64_t cd_offset = u32(eocd + 16);
    uint64_t cd_end_limit = eocd;
    if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
      // zip64: a locator just before the end record points at the zip64 end record.
      if (eocd < 20 || !sig(eocd - 20, 0x07064b50)) fail("zip64 sizes without a zip64 locator");
      const uint64_t z = u64(eocd - 20 + 8);
      if (z > eocd - 20 || eocd - 20 - z < 56 || !sig(static_cast<size_t>(z), 0x06064b50))
        fail("bad zip64 end record");
      entries = u64(static_cast<size_t>(z) + 32);
      cd_size = u64(static_cast<size_t>(z) + 40);
      cd_offset = u64(static_cast<size_t>(z) + 48);
      cd_end_limit = z;
    }
    if (cd_offset > cd_end_limit || cd_size > cd_end_limit - cd_offset) fail("the central directory is out of bounds");
    if (entries > cd_size / 46) fail("the central directory is too small for its entry count");

    bool has_pickle = false;
    std::string folder;
    size_t pos = static_cast<size_t>(cd_offset);
    const size_t cd_end = static_cast<size_t>(cd_offset + cd_size);
    for (uint64_t i = 0; i < entries; ++i) {
      if (pos + 46 > cd_end || !sig(pos, 0x02014b50)) fail(str_cat("central directory entry ", i, " is damaged"));
      const unsigned method = u16(pos + 10);
      const uint32_t crc = u32(pos + 16);
      uint64_t compressed = u32(pos + 20);
      uint64_t uncompressed = u32(pos + 24);
      const size_t name_len = u16(pos + 28), extra_len = u16(pos + 30), comment_len = u16(pos + 32);
      uint64_t local = u32(pos + 42);
      if (pos + 46 + name_len + extra_len + comment_len > cd_end) fail(str_cat("central directory entry ", i, " is damaged"));
      const std::string name(bytes_.data() + pos + 46, name_len);
      zip64_sizes(pos + 46 + name_len, extra_len, uncompressed, compressed, local);
      if (method != 0) fail(str_cat("entry ", name, " is compressed (method ", method, "); PyTorch stores entries"));
      if (compressed != uncompressed) fail(str_cat("entry ", name, " has inconsistent sizes"));
      // Its local header, then its data, all before the central directory.
      if (local > cd_offset || cd_offset - local < 30 || !sig(static_cast<size_t>(local), 0x04034b50))
        fail(str_cat("the local header of entry ", name, " is damaged"));
      const size_t lh = static_cast<size_t>(local);
      const size_t local_name = u16(lh + 26), local_extra = u16(lh + 28);
      const uint64_t data = local + 30 + local_name + local_extra;
      if (data > cd_offset || compressed > cd_offset - data || local_name != name_len ||
          lh + 30 + name_len > cd_offset || std::memcmp(bytes_.data() + lh + 30, name.data(), name_len) != 0)
        fail(str_cat("the local header of entry ", name, " is damaged"));
      const auto* p = reinterpret_cast<const Bytef*>(bytes_.data() + data);
      uLong actual = crc32(0L, Z_NULL, 0);
      for (uint64_t done = 0; done < compressed;) {
        const uInt chunk = static_cast<uInt>(std::min<uint64_t>(compressed - done, 1u << 30));
        actual = crc32(actual, p + done, chunk);
        done += chunk;
      }
      if (actual != crc) fail(str_cat("entry ", name, " fails its CRC-32 check (the file is damaged)"));
      if (i == 0) folder = name.substr(0, name.find('/'));
      if (name == folder + "/data.pkl") has_pickle = true;
      pos += 46 + name_len + extra_len + comment_len;
    }
    if (!has_pickle) fail("no data.pkl entry (not a PyTorch archive)");
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const { refuse(what_, reason); }

  // Reads with bounds checks: a field past the end is damage, not a crash.
  uint64_t le(size_t at, size_t n) const {
    if (at > bytes_.size() || n > bytes_.size() - at) fail("a zip record runs past the end of the file");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[at + i])) << (8 * i);
    return v;
  }
  unsigned u16(size_t at) const { return static_cast<unsigned>(le(at, 2)); }
  uint32_t u32(size_t at) const { return static_cast<uint32_t>(le(at, 4)); }
  uint64_t u64(size_t at) const { return le(at, 8); }
  bool sig(size_t at, uint32_t signature) const {
    return at <= bytes_.size() && bytes_.size() - at >= 4 && u32(at) == signature;
  }

  // The zip64 extended information extra field (id 1) replaces the 32-bit fields that are 0xFFFFFFFF.
  void zip64_sizes(size_t at, size_t len, uint64_t& uncompressed, uint64_t& compressed, uint64_t& local) const {
    const size_t end = at + len;
    while (at + 4 <= end) {
      const unsigned id = u16(at), n = u16(at + 2);
      if (at + 4 + n > end) fail("a zip extra field runs past its entry");
      if (id == 1) {
        size_t f = at + 4;
        auto take = [&](uint64_t& field) {
          if (field != 0xFFFFFFFF) return;
          if (f + 8 > at + 4 + n) fail("a zip64 extra field is too short");
          field = u64(f);
          f += 8;
        };
        take(uncompressed);
        take(compressed);
        take(local);
      }
      at += 4 + n;
    }
  }

  const std::vector<char>& bytes_;
  std::string what_;
};

std::string dict_key(const c10::IValue& key, const std::string& prefix, const std::string& what) {
  std::string text;
  if (key.isString())
    text = key.toStringRef();
  else if (key.isInt())
    text = std::to_string(key.toInt());  // optimizer state_dicts from Python number their parameters
  else
    refuse(what, str_cat("a dict under '", prefix, "' has a ", key.tagKind(), " key"));
  if (text.empty() || text.find('/') != std::string::npos)
    refuse(what, str_cat("the key '", text, "' under '", prefix, "' is empty or holds '/'"));
  return text;
}

state::TensorLeaf to_leaf(const at::Tensor& tensor, const std::string& path, const std::string& what) {
  const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  std::optional<DLDataType> dtype = dl::dtype_of(t.scalar_type());
  if (!dtype) refuse(what, str_cat("'", path, "' is a tensor of ", t.scalar_type(), ", which trainkit does not store"));
  state::TensorLeaf leaf;
  leaf.dtype = *dtype;
  leaf.shape.assign(t.sizes().begin(), t.sizes().end());
  const size_t nbytes = static_cast<size_t>(t.numel()) * t.element_size();
  if (nbytes != 0) {
    const auto* p = static_cast<const uint8_t*>(t.data_ptr());
    leaf.data.assign(p, p + nbytes);
  }
  return leaf;
}

void flatten(const Dict& dict, const std::string& prefix, state::MemoryTree& tree, const std::string& what) {
  for (const auto& entry : dict) {
    const std::string path = prefix + dict_key(entry.key(), prefix, what);
    const c10::IValue& value = entry.value();
    if (value.isGenericDict()) {
      flatten(value.toGenericDict(), path + "/", tree, what);
    } else if (value.isBool()) {  // before isInt: a Python bool is its own tag, but be explicit
      tree.leaves[path] = value.toBool();
    } else if (value.isInt()) {
      tree.leaves[path] = value.toInt();
    } else if (value.isDouble()) {
      tree.leaves[path] = value.toDouble();
    } else if (value.isString()) {
      tree.leaves[path] = value.toStringRef();
    } else if (value.isTensor()) {
      tree.leaves[path] = to_leaf(value.toTensor(), path, what);
    } else {
      refuse(what, str_cat("'", path, "' holds a ", value.tagKind(), ", which a trainkit state tree cannot hold"));
    }
  }
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

state::MemoryTree decode_torch(const std::vector<char>& bytes, const std::string& what) {
  ZipCheck(bytes, what).run();  // Note [Check the zip before pickle_load]
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(bytes);
  } catch (const c10::Error& e) {
    refuse(what, e.what_without_backtrace());
  } catch (const std::exception& e) {
    refuse(what, e.what());
  }
  if (!value.isGenericDict()) refuse(what, str_cat("the file holds a ", value.tagKind(), ", not a dict"));
  state::MemoryTree tree;
  try {
    flatten(value.toGenericDict(), "", tree, what);
  } catch (const c10::Error& e) {
    refuse(what, e.what_without_backtrace());
  }
  return tree;
}

state::MemoryTree read_torch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResumeError(str_cat(path, ": cannot open: ", std::strerror(errno)));
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ResumeError(str_cat(path, ": cannot read: ", std::strerror(errno)));
  return decode_torch(bytes, path);
}

bool looks_like_torch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  // A zip local file header: magic, 22 bytes of fields, u16 name length at 26, u16 extra length, name at 30.
  unsigned char head[30];
  if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return false;
  if (std::memcmp(head, "PK\x03\x04", 4) != 0) return false;
  const size_t name_len = head[26] | (static_cast<size_t>(head[27]) << 8);
  if (name_len == 0) return false;
  std::string name(name_len, '\0');
  if (!in.read(name.data(), static_cast<std::streamsize>(name_len))) return false;
  const size_t slash = name.find('/');
  return slash != std::string::npos && slash > 0 && name.compare(slash + 1, 4, "data") == 0;
}

}  // namespace trainkit
