#include "torchfile/unpickler.h"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "torchfile/errors.h"

namespace trainkit::torchfile {
namespace {

constexpr int kMaxDepth = 256;
constexpr size_t kMaxDims = 64;

enum class Global : uint8_t { ordered_dict, rebuild_tensor, rebuild_parameter, restore_type_tag, storage_type };

// An object the pickle builds. Containers refer to their items by index into the arena, so the memo and
// the stack share them as Python does (a dict stored by BINPUT and filled later is one dict), cycles are
// harmless until the tree is built, and freeing never recurses.
struct Obj {
  enum class Kind : uint8_t { none, boolean, integer, floating, string, list, tuple, dict, tensor, global, storage };
  Kind kind = Kind::none;
  bool ordered = false;         // dict: an OrderedDict
  Global global{};              // global
  DLDataType dtype{};           // global storage_type, storage
  int64_t integer = 0;          // boolean, integer; tensor: index in tensors_; storage: index in storages_
  double floating = 0;
  std::string text;             // string; global: "module.name"
  std::vector<uint32_t> items;  // list, tuple; dict: key, value, key, value, ...
};
using Kind = Obj::Kind;

struct Storage {
  std::string key;
  DLDataType dtype{};
  uint64_t numel = 0;
  ByteSpan bytes;
};

struct StorageType {
  const char* name;
  DLDataType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", {kDLFloat, 32, 1}},       {"DoubleStorage", {kDLFloat, 64, 1}},
    {"HalfStorage", {kDLFloat, 16, 1}},        {"BFloat16Storage", {kDLBfloat, 16, 1}},
    {"LongStorage", {kDLInt, 64, 1}},          {"IntStorage", {kDLInt, 32, 1}},
    {"ShortStorage", {kDLInt, 16, 1}},         {"CharStorage", {kDLInt, 8, 1}},
    {"ByteStorage", {kDLUInt, 8, 1}},          {"BoolStorage", {6, 8, 1}},  // kDLBool in DLPack >= 0.8
    {"ComplexFloatStorage", {kDLComplex, 64, 1}}, {"ComplexDoubleStorage", {kDLComplex, 128, 1}},
};

uint64_t element_size(DLDataType dtype) { return uint64_t{dtype.bits} * dtype.lanes / 8; }

// Every pickle opcode of protocols 0 to 5 that this reader does not take, so that a valid but foreign
// pickle is told apart from damage.
const char* foreign_opcode(uint8_t op) {
  switch (op) {
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'P': return "PERSID";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'g': return "GET";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

std::string refused_global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (module == "_codecs" && name == "encode") return "a bytes object (pickled as _codecs.encode), which trainkit does not read";
  if (module.rfind("numpy", 0) == 0) return str_cat("a NumPy object (", full, "), which trainkit does not read; save torch tensors");
  if (module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0)
    return str_cat("tensors of type ", full, ", which trainkit does not read");
  return str_cat("the Python object ", full,
                 ", which trainkit does not run (a whole nn.Module saved with torch.save(model) needs Python; "
                 "save model.state_dict() instead)");
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, const StorageLookup& lookup) : data_(data), size_(size), lookup_(lookup) {}

  Value run() {
    while (true) {
      op_at_ = pos_;
      const uint8_t op = byte();
      if (op == '.') break;
      step(op);
    }
    const uint32_t result = pop();
    budget_ = 4 * objs_.size() + 4096;
    return to_value(result, 0);
  }

 private:
  [[noreturn]] void damaged(const std::string& reason) const {
    throw DamagedFile(str_cat("the pickle is damaged at byte ", op_at_, ": ", reason));
  }

  // Input.
  uint8_t byte() {
    if (pos_ >= size_) damaged("it ends without a STOP opcode");
    return data_[pos_++];
  }
  std::string_view take(uint64_t n) {
    if (n > size_ - pos_) damaged("an argument runs past its end");
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  uint64_t le(unsigned n) {
    const std::string_view b = take(n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
    return v;
  }
  std::string line() {
    const auto* start = data_ + pos_;
    const void* nl = std::memchr(start, '\n', size_ - pos_);
    if (nl == nullptr) damaged("a GLOBAL name without its newline");
    const size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nl) - start);
    pos_ += n + 1;
    return std::string(reinterpret_cast<const char*>(start), n);
  }

  // Objects and the stack. As in Python, a MARK hides what lies below it until it is popped.
  uint32_t make(Obj o) {
    objs_.push_back(std::move(o));
    return static_cast<uint32_t>(objs_.size() - 1);
  }
  uint32_t make(Kind kind) {
    Obj o;
    o.kind = kind;
    return make(std::move(o));
  }
  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(uint32_t o) { stack_.push_back(o); }
  uint32_t top() {
    if (stack_.size() <= base()) damaged("the stack is empty");
    return stack_.back();
  }
  uint32_t pop() {
    const uint32_t o = top();
    stack_.pop_back();
    return o;
  }
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) damaged("no MARK to pop to");
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Obj& at(uint32_t o) { return objs_[o]; }
  uint32_t container(Kind kind, const char* op) {
    const uint32_t o = top();
    if (at(o).kind != kind) damaged(str_cat(op, " on a ", kind_text(at(o)), ", not a ", kind == Kind::list ? "list" : "dict"));
    return o;
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) damaged(str_cat("memo entry ", index, " was never stored"));
    push(it->second);
  }

  static std::string kind_text(const Obj& o) {
    switch (o.kind) {
      case Kind::none: return "None";
      case Kind::boolean: return "bool";
      case Kind::integer: return "int";
      case Kind::floating: return "float";
      case Kind::string: return "str";
      case Kind::list: return "list";
      case Kind::tuple: return "tuple";
      case Kind::dict: return "dict";
      case Kind::tensor: return "tensor";
      case Kind::global: return o.text;
      case Kind::storage: return "storage";
    }
    return "?";
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const unsigned protocol = byte();
        if (protocol > 5) throw Unsupported(str_cat("pickle protocol ", protocol, " (trainkit reads 2 to 5)"));
        return;
      }
      case 0x95: le(8); return;  // FRAME: a length hint only
      case '(': marks_.push_back(stack_.size()); return;
      case '0':  // POP: an item, or the mark when nothing lies above it
        if (stack_.size() > base()) stack_.pop_back();
        else pop_mark();
        return;
      case '1': pop_mark(); return;
      case '2': push(top()); return;
      case '}': push(make(Kind::dict)); return;
      case ']': push(make(Kind::list)); return;
      case ')': push(make(Kind::tuple)); return;
      case 't': push(sequence(Kind::tuple, pop_mark())); return;
      case 'l': push(sequence(Kind::list, pop_mark())); return;
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        std::vector<uint32_t> items(op - 0x84);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(sequence(Kind::tuple, std::move(items)));
        return;
      }
      case 'd': {
        std::vector<uint32_t> items = pop_mark();
        push(make(Kind::dict));
        set_items("DICT", items);
        return;
      }
      case 'a': {
        const uint32_t v = pop();
        at(container(Kind::list, "APPEND")).items.push_back(v);
        return;
      }
      case 'e': {
        const std::vector<uint32_t> items = pop_mark();
        auto& list = at(container(Kind::list, "APPENDS")).items;
        list.insert(list.end(), items.begin(), items.end());
        return;
      }
      case 's': {
        const uint32_t v = pop(), k = pop();
        set_items("SETITEM", {k, v});
        return;
      }
      case 'u': set_items("SETITEMS", pop_mark()); return;
      case 'J': push(integer(static_cast<int32_t>(le(4)))); return;
      case 'K': push(integer(le(1))); return;
      case 'M': push(integer(le(2))); return;
      case 0x8a: push(integer(long_value(take(le(1))))); return;  // LONG1
      case 0x8b: {                                                 // LONG4
        const auto n = static_cast<int32_t>(le(4));
        if (n < 0) damaged("LONG4 with a negative length");
        push(integer(long_value(take(static_cast<uint64_t>(n)))));
        return;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE 754
        const std::string_view b = take(8);
        uint64_t bits = 0;
        for (char c : b) bits = bits << 8 | static_cast<uint8_t>(c);
        Obj o;
        o.kind = Kind::floating;
        std::memcpy(&o.floating, &bits, 8);
        push(make(std::move(o)));
        return;
      }
      case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
        Obj o;
        o.kind = Kind::boolean;
        o.integer = op == 0x88;
        push(make(std::move(o)));
        return;
      }
      case 'N': push(make(Kind::none)); return;
      case 'X': push(string(take(le(4)))); return;
      case 0x8c: push(string(take(le(1)))); return;
      case 0x8d: push(string(take(le(8)))); return;
      case 'c': {
        std::string module = line();
        std::string name = line();
        push(global(module, name));
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        const uint32_t name = pop(), module = pop();
        if (at(name).kind != Kind::string || at(module).kind != Kind::string) damaged("STACK_GLOBAL without two str");
        push(global(at(module).text, at(name).text));
        return;
      }
      case 'R': {
        const uint32_t args = pop(), callable = pop();
        push(reduce(callable, args));
        return;
      }
      case 'b': {
        const uint32_t state = pop();
        build(state, top());
        return;
      }
      case 'q': memo_put(le(1)); return;
      case 'r': memo_put(le(4)); return;
      case 0x94: memo_put(memo_.size()); return;  // MEMOIZE
      case 'h': memo_get(le(1)); return;
      case 'j': memo_get(le(4)); return;
      case 'Q': push(persistent_load(pop())); return;
      default:
        if (const char* name = foreign_opcode(op))
          throw Unsupported(str_cat("the pickle uses opcode ", name, ", which torch.save does not write for tensors, "
                                    "numbers, strings, lists, tuples and dicts"));
        damaged(str_cat("unknown opcode 0x", "0123456789abcdef"[op >> 4], "0123456789abcdef"[op & 15]));
    }
  }

  uint32_t sequence(Kind kind, std::vector<uint32_t> items) {
    Obj o;
    o.kind = kind;
    o.items = std::move(items);
    return make(std::move(o));
  }
  uint32_t integer(int64_t v) {
    Obj o;
    o.kind = Kind::integer;
    o.integer = v;
    return make(std::move(o));
  }
  uint32_t string(std::string_view s) {
    Obj o;
    o.kind = Kind::string;
    o.text.assign(s.data(), s.size());
    return make(std::move(o));
  }
  void set_items(const char* op, const std::vector<uint32_t>& items) {
    if (items.size() % 2 != 0) damaged(str_cat(op, " with a key and no value"));
    auto& dict = at(container(Kind::dict, op)).items;
    dict.insert(dict.end(), items.begin(), items.end());
  }

  // Two's complement, little-endian, as LONG1 and LONG4 store it.
  int64_t long_value(std::string_view b) {
    if (b.empty()) return 0;
    const bool negative = static_cast<uint8_t>(b.back()) & 0x80;
    for (size_t i = 8; i < b.size(); ++i)
      if (static_cast<uint8_t>(b[i]) != (negative ? 0xFF : 0x00)) throw Unsupported("an int beyond 64 bits");
    if (b.size() > 8 && ((static_cast<uint8_t>(b[7]) & 0x80) != 0) != negative) throw Unsupported("an int beyond 64 bits");
    uint64_t v = negative ? ~uint64_t{0} : 0;
    for (size_t i = 0; i < b.size() && i < 8; ++i) {
      v &= ~(uint64_t{0xFF} << (8 * i));
      v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
    }
    return static_cast<int64_t>(v);
  }

  uint32_t global(const std::string& module, const std::string& name) {
    Obj o;
    o.kind = Kind::global;
    o.text = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      o.global = Global::ordered_dict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      o.global = Global::rebuild_tensor;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      o.global = Global::rebuild_parameter;
    } else if (module == "torch.jit._pickle" && name == "restore_type_tag") {
      o.global = Global::restore_type_tag;
    } else {
      const StorageType* type = nullptr;
      for (const StorageType& t : kStorageTypes)
        if (module == "torch" && name == t.name) type = &t;
      if (type == nullptr) throw Unsupported(str_cat("the pickle refers to ", refused_global(module, name)));
      o.global = Global::storage_type;
      o.dtype = type->dtype;
    }
    return make(std::move(o));
  }

  // Tuple arguments of a call, after checking their count.
  std::vector<uint32_t> arguments(uint32_t args, const Obj& callable, size_t min, size_t max) {
    if (at(args).kind != Kind::tuple) damaged(str_cat(callable.text, " called without an argument tuple"));
    const std::vector<uint32_t>& items = at(args).items;
    if (items.size() < min || items.size() > max)
      damaged(str_cat(callable.text, " called with ", items.size(), " arguments"));
    return items;
  }

  uint32_t reduce(uint32_t callable, uint32_t args) {
    const Obj& f = at(callable);
    if (f.kind != Kind::global) damaged(str_cat("REDUCE calls a ", kind_text(f)));
    switch (f.global) {
      case Global::ordered_dict: {
        if (!arguments(args, f, 0, 0).empty()) damaged("OrderedDict called with arguments");
        Obj o;
        o.kind = Kind::dict;
        o.ordered = true;
        return make(std::move(o));
      }
      case Global::rebuild_tensor: return rebuild_tensor(arguments(args, f, 6, 7));
      case Global::rebuild_parameter: {
        const std::vector<uint32_t> a = arguments(args, f, 3, 3);
        if (at(a[0]).kind != Kind::tensor) damaged("_rebuild_parameter of something that is not a tensor");
        return a[0];
      }
      case Global::restore_type_tag: {
        const std::vector<uint32_t> a = arguments(args, f, 2, 2);
        if (at(a[1]).kind != Kind::string) damaged("restore_type_tag without a type string");
        return a[0];
      }
      case Global::storage_type: break;
    }
    damaged(str_cat("REDUCE calls ", f.text));
  }

  // BUILD sets an object's attributes. The one object torch.save gives attributes is a state_dict's
  // OrderedDict (`_metadata`: module versions), which trainkit does not need.
  void build(uint32_t state, uint32_t target) {
    if (at(target).kind != Kind::dict || at(state).kind != Kind::dict)
      throw Unsupported(str_cat("the pickle sets attributes of a ", kind_text(at(target)),
                                ", which torch.save does not write for tensors or dicts"));
  }

  int64_t int_argument(uint32_t o, const char* what) {
    if (at(o).kind != Kind::integer) damaged(str_cat("a tensor's ", what, " is a ", kind_text(at(o)), ", not an int"));
    return at(o).integer;
  }

  std::vector<int64_t> int_tuple(uint32_t o, const char* what) {
    if (at(o).kind != Kind::tuple) damaged(str_cat("a tensor's ", what, " is a ", kind_text(at(o)), ", not a tuple"));
    std::vector<int64_t> out;
    for (uint32_t item : at(o).items) {
      const int64_t v = int_argument(item, what);
      if (v < 0) damaged(str_cat("a tensor's ", what, " holds ", v));
      out.push_back(v);
    }
    return out;
  }

  uint32_t rebuild_tensor(const std::vector<uint32_t>& a) {
    if (at(a[0]).kind != Kind::storage) damaged("_rebuild_tensor_v2 without a storage");
    const Storage& storage = storages_[static_cast<size_t>(at(a[0]).integer)];
    TensorView t;
    t.dtype = storage.dtype;
    t.offset = int_argument(a[1], "storage offset");
    t.shape = int_tuple(a[2], "size");
    t.strides = int_tuple(a[3], "stride");
    if (at(a[4]).kind != Kind::boolean) damaged("a tensor's requires_grad is not a bool");
    if (t.offset < 0) damaged("a tensor's storage offset is negative");
    if (t.shape.size() != t.strides.size()) damaged("a tensor's size and stride differ in length");
    if (t.shape.size() > kMaxDims) throw Unsupported(str_cat("a tensor of ", t.shape.size(), " dimensions (trainkit reads up to ", kMaxDims, ")"));
    // Every element the view reaches must lie inside the storage.
    uint64_t numel = 1, last = static_cast<uint64_t>(t.offset), span = 0;
    bool overflow = false;
    for (size_t i = 0; i < t.shape.size(); ++i) {
      overflow |= __builtin_mul_overflow(numel, static_cast<uint64_t>(t.shape[i]), &numel);
      if (t.shape[i] > 0) {
        overflow |= __builtin_mul_overflow(static_cast<uint64_t>(t.shape[i] - 1), static_cast<uint64_t>(t.strides[i]), &span);
        overflow |= __builtin_add_overflow(last, span, &last);
      }
    }
    uint64_t nbytes = 0;
    overflow |= __builtin_mul_overflow(numel, element_size(t.dtype), &nbytes);
    if (overflow) damaged("a tensor's size overflows");
    if (numel > 0 ? last >= storage.numel : static_cast<uint64_t>(t.offset) > storage.numel)
      damaged(str_cat("a tensor reaches past the end of storage ", storage.key, " (", storage.numel, " elements)"));
    t.storage = storage.bytes.data;
    t.storage_bytes = storage.bytes.size;
    t.storage_key = storage.key;
    tensors_.push_back(std::move(t));
    Obj o;
    o.kind = Kind::tensor;
    o.integer = static_cast<int64_t>(tensors_.size() - 1);
    return make(std::move(o));
  }

  // ('storage', torch.<T>Storage, key, location, numel): the bytes of zip entry data/<key>.
  uint32_t persistent_load(uint32_t pid) {
    const Obj& id = at(pid);
    if (id.kind != Kind::tuple || id.items.empty() || at(id.items[0]).kind != Kind::string)
      damaged("a persistent id that is not a tuple starting with a str");
    if (at(id.items[0]).text != "storage")
      throw Unsupported(str_cat("a persistent id of kind '", at(id.items[0]).text, "' (trainkit reads 'storage')"));
    if (id.items.size() != 5) damaged("a storage persistent id without 5 items");
    const Obj& type = at(id.items[1]);
    const Obj& key = at(id.items[2]);
    if (type.kind != Kind::global || type.global != Global::storage_type) damaged("a storage persistent id without a storage type");
    if (key.kind != Kind::string || at(id.items[3]).kind != Kind::string) damaged("a storage persistent id without a str key and location");
    const int64_t numel = at(id.items[4]).kind == Kind::integer ? at(id.items[4]).integer : -1;
    if (numel < 0) damaged("a storage persistent id without an element count");
    const auto known = storage_index_.find(key.text);
    if (known != storage_index_.end()) {
      const Storage& s = storages_[known->second];
      if (s.numel != static_cast<uint64_t>(numel) || s.dtype.code != type.dtype.code || s.dtype.bits != type.dtype.bits)
        damaged(str_cat("storage ", key.text, " is named with two different types or sizes"));
    } else {
      Storage s{key.text, type.dtype, static_cast<uint64_t>(numel), lookup_(key.text)};
      uint64_t expected = 0;
      if (__builtin_mul_overflow(s.numel, element_size(s.dtype), &expected) || expected != s.bytes.size)
        damaged(str_cat("storage ", key.text, " holds ", s.bytes.size, " bytes, not ", s.numel, " elements of ",
                        element_size(s.dtype), " bytes"));
      storage_index_.emplace(key.text, storages_.size());
      storages_.push_back(std::move(s));
    }
    Obj o;
    o.kind = Kind::storage;
    o.dtype = type.dtype;
    o.integer = static_cast<int64_t>(storage_index_.at(key.text));
    return make(std::move(o));
  }

  // The arena as a tree. Shared objects are copied; depth and size are bounded (Note [What the unpickler
  // understands]), which also stops at a container that holds itself.
  Value to_value(uint32_t index, int depth) {
    if (depth > kMaxDepth) throw Unsupported(str_cat("the pickle nests deeper than ", kMaxDepth, " levels or holds itself"));
    if (++produced_ > budget_) throw Unsupported("the pickle shares sub-objects too often to expand into a tree");
    const Obj& o = objs_[index];
    Value v;
    switch (o.kind) {
      case Kind::none: v.kind = Value::Kind::none; break;
      case Kind::boolean: v.kind = Value::Kind::boolean; v.boolean = o.integer != 0; break;
      case Kind::integer: v.kind = Value::Kind::integer; v.integer = o.integer; break;
      case Kind::floating: v.kind = Value::Kind::floating; v.floating = o.floating; break;
      case Kind::string: v.kind = Value::Kind::string; v.string = o.text; break;
      case Kind::list:
      case Kind::tuple:
        v.kind = o.kind == Kind::list ? Value::Kind::list : Value::Kind::tuple;
        v.items.reserve(o.items.size());
        for (uint32_t item : o.items) v.items.push_back(to_value(item, depth + 1));
        break;
      case Kind::dict:
        v.kind = Value::Kind::dict;
        v.ordered = o.ordered;
        v.entries.reserve(o.items.size() / 2);
        for (size_t i = 0; i + 1 < o.items.size(); i += 2)
          v.entries.emplace_back(to_value(o.items[i], depth + 1), to_value(o.items[i + 1], depth + 1));
        break;
      case Kind::tensor:
        v.kind = Value::Kind::tensor;
        v.tensor = tensors_[static_cast<size_t>(o.integer)];
        break;
      case Kind::global: throw Unsupported(str_cat("the pickle holds the Python object ", o.text, " as a value"));
      case Kind::storage: throw Unsupported("the pickle holds a bare storage, not a tensor");
    }
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  const StorageLookup& lookup_;
  size_t pos_ = 0, op_at_ = 0;
  std::vector<Obj> objs_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
  std::vector<Storage> storages_;
  std::unordered_map<std::string, size_t> storage_index_;
  std::vector<TensorView> tensors_;
  size_t produced_ = 0, budget_ = 0;
};

}  // namespace

Value unpickle(const uint8_t* data, size_t size, const StorageLookup& storage) {
  return Unpickler(data, size, storage).run();
}

}  // namespace trainkit::torchfile
