#include "torchfile/pickler.h"

#include <cstring>

#include "core/error.h"
#include "state/dl_tensor.h"
#include "torchfile/errors.h"

namespace trainkit::torchfile {
namespace {

// The storage type torch.load rebuilds a dtype from; nullptr for a dtype torch has none for.
const char* storage_type(DLDataType d) {
  if (d.lanes != 1) return nullptr;
  switch (d.code) {
    case kDLFloat: return d.bits == 16 ? "HalfStorage" : d.bits == 32 ? "FloatStorage" : d.bits == 64 ? "DoubleStorage" : nullptr;
    case kDLBfloat: return d.bits == 16 ? "BFloat16Storage" : nullptr;
    case kDLInt:
      return d.bits == 8 ? "CharStorage" : d.bits == 16 ? "ShortStorage" : d.bits == 32 ? "IntStorage" : d.bits == 64 ? "LongStorage" : nullptr;
    case kDLUInt: return d.bits == 8 ? "ByteStorage" : nullptr;
    case kDLComplex: return d.bits == 64 ? "ComplexFloatStorage" : d.bits == 128 ? "ComplexDoubleStorage" : nullptr;
    case 6: return d.bits == 8 ? "BoolStorage" : nullptr;  // kDLBool in DLPack >= 0.8
    default: return nullptr;
  }
}

class Pickler {
 public:
  explicit Pickler(std::vector<const TensorView*>& storages) : storages_(storages) {}

  std::vector<uint8_t> run(const Value& root) {
    op(0x80).op(2);  // PROTO 2
    value(root, "");
    op('.');
    return std::move(out_);
  }

 private:
  Pickler& op(uint8_t b) {
    out_.push_back(b);
    return *this;
  }
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  [[noreturn]] static void refuse(const std::string& path, const std::string& reason) {
    throw Unsupported(path.empty() ? reason : str_cat("'", path, "': ", reason));
  }

  // Ints as Python writes them: the shortest of BININT1, BININT2, BININT, else LONG1 with the fewest bytes.
  void integer(int64_t v) {
    if (v >= 0 && v < 0x100) return op('K'), le(static_cast<uint64_t>(v), 1);
    if (v >= 0 && v < 0x10000) return op('M'), le(static_cast<uint64_t>(v), 2);
    if (v >= INT32_MIN && v <= INT32_MAX) return op('J'), le(static_cast<uint64_t>(v), 4);
    int n = 8;  // drop sign bytes while the next byte still carries the sign
    const auto u = static_cast<uint64_t>(v);
    while (n > 1 && ((u >> (8 * (n - 1))) & 0xFF) == (v < 0 ? 0xFF : 0x00) &&
           (((u >> (8 * (n - 2))) & 0x80) != 0) == (v < 0))
      --n;
    op(0x8a).op(static_cast<uint8_t>(n));
    le(u, n);
  }
  void floating(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, 8);
    op('G');
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  void string(const std::string& s, const std::string& path) {
    if (!is_utf8(s)) refuse(path, "the string is not UTF-8, which Python's torch.load needs");
    op('X');
    le(s.size(), 4);
    out_.insert(out_.end(), s.begin(), s.end());
  }
  // Globals are written once and fetched from the memo after, as Python's pickler does.
  void global(const std::string& module, const std::string& name) {
    const std::string text = module + "\n" + name + "\n";
    for (size_t i = 0; i < globals_.size(); ++i)
      if (globals_[i] == text) return op('j'), le(i, 4);
    op('c');
    out_.insert(out_.end(), text.begin(), text.end());
    op('r');
    le(globals_.size(), 4);
    globals_.push_back(text);
  }

  void value(const Value& v, const std::string& path) {
    switch (v.kind) {
      case Value::Kind::none: op('N'); return;
      case Value::Kind::boolean: op(v.boolean ? 0x88 : 0x89); return;
      case Value::Kind::integer: integer(v.integer); return;
      case Value::Kind::floating: floating(v.floating); return;
      case Value::Kind::string: string(v.string, path); return;
      case Value::Kind::list:
      case Value::Kind::tuple:
        op(v.is(Value::Kind::list) ? ']' : '(');
        if (v.is(Value::Kind::list)) op('(');
        for (const Value& item : v.items) value(item, path);
        op(v.is(Value::Kind::list) ? 'e' : 't');
        return;
      case Value::Kind::dict:
        op('}').op('(');
        for (const auto& [key, item] : v.entries) {
          if (!key.is(Value::Kind::string) && !key.is(Value::Kind::integer))
            refuse(path, str_cat("a dict key is a ", kind_name(key.kind), "; only str and int keys are written"));
          const std::string inner = path.empty() ? key_text(key) : path + "/" + key_text(key);
          value(key, inner);
          value(item, inner);
        }
        op('u');
        return;
      case Value::Kind::tensor: tensor(v.tensor, path); return;
    }
  }

  // torch._utils._rebuild_tensor_v2(('storage', torch.<T>Storage, key, 'cpu', numel) as a persistent id,
  //                                 0, size, stride, False, collections.OrderedDict())
  void tensor(const TensorView& t, const std::string& path) {
    const char* type = storage_type(t.dtype);
    if (type == nullptr) refuse(path, str_cat("torch has no tensors of ", state::dtype_name(t.dtype)));
    if (t.offset != 0 || !t.is_compact()) refuse(path, "the tensor is not compact");
    const std::string key = std::to_string(storages_.size());
    storages_.push_back(&t);
    global("torch._utils", "_rebuild_tensor_v2");
    op('(').op('(');
    string("storage", path);
    global("torch", type);
    string(key, path);
    string("cpu", path);
    integer(static_cast<int64_t>(t.numel()));
    op('t').op('Q');
    integer(0);
    op('(');
    for (int64_t d : t.shape) integer(d);
    op('t').op('(');
    for (int64_t s : compact_strides(t.shape)) integer(s);
    op('t').op(0x89);
    global("collections", "OrderedDict");
    op(')').op('R').op('t').op('R');
  }

  std::vector<const TensorView*>& storages_;
  std::vector<uint8_t> out_;
  std::vector<std::string> globals_;
};

}  // namespace

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

std::vector<uint8_t> pickle_value(const Value& root, std::vector<const TensorView*>& storages) {
  return Pickler(storages).run(root);
}

}  // namespace trainkit::torchfile
