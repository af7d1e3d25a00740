// runtime/torchfile/unpickler: pickles built opcode by opcode, the ones torch.save writes and damaged ones.
#include "torchfile/unpickler.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>

#include "torchfile/errors.h"
#include "torchfile_test_support.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;
using torchfile::ByteSpan;
using torchfile::DamagedFile;
using torchfile::Unsupported;
using torchfile::Value;
using Kind = torchfile::Value::Kind;

// Storages by key, as the zip's data/<key> entries would hold them.
struct Storages {
  std::map<std::string, Bytes> entries;
  torchfile::StorageLookup lookup() const {
    return [this](const std::string& key) {
      const auto it = entries.find(key);
      if (it == entries.end()) throw DamagedFile("no storage " + key);
      return ByteSpan{it->second.data(), it->second.size()};
    };
  }
};

Value read(const Pickle& p, const Storages& storages = {}) {
  return torchfile::unpickle(p.bytes().data(), p.bytes().size(), storages.lookup());
}

Bytes floats(std::vector<float> values) {
  Bytes b(values.size() * 4);
  std::memcpy(b.data(), values.data(), b.size());
  return b;
}

std::vector<float> compact_floats(const torchfile::TensorView& t) {
  Bytes b(t.nbytes());
  t.copy_compact(b.data());
  std::vector<float> out(b.size() / 4);
  std::memcpy(out.data(), b.data(), b.size());
  return out;
}

TEST_CASE("unpickler: numbers, strings, None, bools, lists, tuples and dicts", "[torchfile][unpickler]") {
  Pickle p;
  p.op('}').op('(');
  p.str("small").i(7).str("short").i(60000).str("negative").i(-5).str("big").i(std::numeric_limits<int64_t>::min());
  p.str("long9").op(0x8a).op(9).le(0x7fffffffffffffffULL, 8).op(0x00);  // sign byte beyond 8 bytes
  p.str("long1").op(0x8a).op(1).op(0xff);                                 // -1 in one byte
  p.str("long0").op(0x8a).op(0);                                          // 0 in no bytes
  p.str("float").f(-0.25).str("inf").f(std::numeric_limits<double>::infinity());
  p.str("yes").op(0x88).str("no").op(0x89).str("none").op('N');
  p.str("list").op(']').op('(').i(1).str("x").op('e');
  p.str("tuple0").op(')').str("tuple2").i(1).i(2).op(0x86).str("tuple").op('(').i(1).i(2).i(3).i(4).op('t');
  p.op(0x8c).op(5).raw("short").op(0x8c).op(1).raw("s");  // SHORT_BINUNICODE key and value: replaces "short"
  p.op('u');
  p.str("one").op('}').str("k").op('N').op('s').op('s');  // SETITEM: Python's one-item dicts
  const Value v = read(p.stop());

  REQUIRE(v.is(Kind::dict));
  CHECK_FALSE(v.ordered);
  CHECK(v.find("small")->integer == 7);
  CHECK(v.find("negative")->integer == -5);
  CHECK(v.find("big")->integer == std::numeric_limits<int64_t>::min());
  CHECK(v.find("long9")->integer == std::numeric_limits<int64_t>::max());
  CHECK(v.find("long1")->integer == -1);
  CHECK(v.find("long0")->integer == 0);
  CHECK(v.find("float")->floating == -0.25);
  CHECK(std::isinf(v.find("inf")->floating));
  CHECK(v.find("yes")->is(Kind::boolean));
  CHECK(v.find("yes")->boolean);
  CHECK_FALSE(v.find("no")->boolean);
  CHECK(v.find("none")->is(Kind::none));
  const Value& list = *v.find("list");
  REQUIRE(list.is(Kind::list));
  REQUIRE(list.items.size() == 2);
  CHECK(list.items[1].string == "x");
  CHECK(v.find("tuple0")->is(Kind::tuple));
  CHECK(v.find("tuple0")->items.empty());
  CHECK(v.find("tuple2")->items.size() == 2);
  CHECK(v.find("tuple")->items.size() == 4);
  CHECK(v.find("one")->find("k")->is(Kind::none));
  // Entries keep the file's order; the second "short" is a second entry (Python would replace the first:
  // torch.save never writes a key twice, and the state tree refuses one).
  CHECK(v.entries.front().first.string == "small");
  CHECK(torchfile::summary(v).rfind("a dict with keys small, short, negative, big, long9, long1, long0, float, ...", 0) == 0);
}

TEST_CASE("unpickler: memo references share one object, as in Python", "[torchfile][unpickler]") {
  // d = {}; root = {"a": d, "b": d}; d is stored in the memo empty and filled before "b" refers to it.
  Pickle p;
  p.op('}').op('(').str("a").op('}').put(1).str("x").i(1).op('s').str("b").get(1).op('u');
  const Value v = read(p.stop());
  CHECK(v.find("a")->find("x")->integer == 1);
  CHECK(v.find("b")->find("x")->integer == 1);

  // MEMOIZE numbers the memo by its size; LONG_BINPUT/LONG_BINGET take 4-byte indices.
  Pickle q;
  q.op(']').op('(').str("s").op(0x94).str("t").op('r').le(70000, 4).op('j').le(70000, 4).op('h').op(0).op('e');
  const Value w = read(q.stop());
  REQUIRE(w.items.size() == 4);
  CHECK(w.items[2].string == "t");
  CHECK(w.items[3].string == "s");
}

TEST_CASE("unpickler: a state_dict is an OrderedDict whose _metadata is ignored", "[torchfile][unpickler]") {
  Storages s;
  s.entries["0"] = floats({1, 2, 3, 4, 5, 6});
  Pickle p;
  p.global("collections", "OrderedDict").put(0).op(')').op('R').put(1).op('(');
  p.str("fc.weight").tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1});
  p.str("fc.bias").tensor("FloatStorage", "0", 6, 4, {2}, {1});  // a view into the same storage
  p.op('u');
  p.op('}').str("_metadata").get(0).op(')').op('R').op('(').str("").op('}').str("version").i(1).op('s').op('u').op('s');
  p.op('b');
  const Value v = read(p.stop(), s);
  REQUIRE(v.is(Kind::dict));
  CHECK(v.ordered);
  REQUIRE(v.entries.size() == 2);
  const auto& w = v.find("fc.weight")->tensor;
  CHECK(w.shape == std::vector<int64_t>{2, 3});
  CHECK(w.storage_key == "0");
  CHECK(compact_floats(w) == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(compact_floats(v.find("fc.bias")->tensor) == std::vector<float>{5, 6});
  CHECK(torchfile::summary(v) == "an OrderedDict with keys fc.weight, fc.bias");
  CHECK(torchfile::summary(*v.find("fc.bias")) == "a float32 [2] tensor");
}

TEST_CASE("unpickler: LibTorch's typed dicts are their value", "[torchfile][unpickler]") {
  // torch::pickle_save (trainkit's torch snapshots before torchfile): restore_type_tag(dict, "Dict[str, Any]").
  Pickle p;
  p.global("torch.jit._pickle", "restore_type_tag").put(0).op('}').op('(').str("x").i(5).op('u');
  p.str("Dict[str, Any]").op(0x86).op('R');
  const Value v = read(p.stop());
  CHECK(v.find("x")->integer == 5);
  CHECK_THROWS_AS(read(Pickle().global("torch.jit._pickle", "restore_type_tag").op('}').i(1).op(0x86).op('R').stop()),
                  DamagedFile);
}

TEST_CASE("unpickler: tensors of any strides copy out compact", "[torchfile][unpickler]") {
  Storages s;
  s.entries["t"] = floats({0, 1, 2, 3, 4, 5});
  s.entries["one"] = floats({7});
  Pickle p;
  p.op(']').op('(');
  p.tensor("FloatStorage", "t", 6, 0, {3, 2}, {1, 3});   // the transpose of a [2, 3] tensor
  p.tensor("FloatStorage", "one", 1, 0, {2, 3}, {0, 0});  // torch.tensor(7.).expand(2, 3)
  p.tensor("FloatStorage", "t", 6, 5, {}, {});            // a scalar: the last element
  p.tensor("FloatStorage", "t", 6, 6, {0, 4}, {4, 1});    // empty, at the very end
  p.global("torch._utils", "_rebuild_parameter").op('(');
  p.tensor("FloatStorage", "t", 6, 1, {2}, {2}).op(0x88).global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
  p.op('e');
  const Value v = read(p.stop(), s);
  REQUIRE(v.items.size() == 5);
  CHECK_FALSE(v.items[0].tensor.is_compact());
  CHECK(compact_floats(v.items[0].tensor) == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(compact_floats(v.items[1].tensor) == std::vector<float>(6, 7.f));
  CHECK(compact_floats(v.items[2].tensor) == std::vector<float>{5});
  CHECK(v.items[3].tensor.nbytes() == 0);
  CHECK(compact_floats(v.items[4].tensor) == std::vector<float>{1, 3});  // an nn.Parameter is its tensor

  // Every storage type maps to its dtype.
  const std::vector<std::pair<std::string, std::string>> types = {
      {"DoubleStorage", "float64"}, {"HalfStorage", "float16"}, {"BFloat16Storage", "bfloat16"},
      {"LongStorage", "int64"},     {"IntStorage", "int32"},    {"ShortStorage", "int16"},
      {"CharStorage", "int8"},      {"ByteStorage", "uint8"},   {"BoolStorage", "bool"},
      {"ComplexFloatStorage", "complex64"}, {"ComplexDoubleStorage", "complex128"}};
  for (const auto& [type, dtype] : types) {
    Storages one;
    one.entries["0"] = Bytes(16, 1);
    Pickle q;
    q.tensor(type, "0", 16 / (dtype == "bool" ? 1 : std::stoi(dtype.substr(dtype.find_first_of("0123456789"))) / 8), 0, {1}, {1});
    CHECK_THAT(torchfile::summary(read(q.stop(), one)), Contains(dtype + " [1]"));
  }
}

TEST_CASE("unpickler: anything but the tensor globals is refused by name, nothing runs", "[torchfile][unpickler]") {
  auto refusal = [](Pickle p) {
    try {
      read(p.stop());
    } catch (const Unsupported& e) {
      return std::string(e.what());
    }
    FAIL("not refused as Unsupported");
    return std::string();
  };
  CHECK_THAT(refusal(Pickle().global("__main__", "Net")), Contains("__main__.Net") && Contains("state_dict"));
  CHECK_THAT(refusal(Pickle().global("os", "system").str("rm -rf /").op(0x85).op('R')), Contains("os.system"));
  CHECK_THAT(refusal(Pickle().global("_codecs", "encode")), Contains("bytes object"));
  CHECK_THAT(refusal(Pickle().global("numpy.core.multiarray", "_reconstruct")), Contains("NumPy"));
  CHECK_THAT(refusal(Pickle().global("torch", "QInt8Storage")), Contains("torch.QInt8Storage"));
  CHECK_THAT(refusal(Pickle().str("torch").str("device").op(0x93)), Contains("torch.device"));  // STACK_GLOBAL
  CHECK_THAT(refusal(Pickle().op('C').op(1).raw("x")), Contains("SHORT_BINBYTES"));
  CHECK_THAT(refusal(Pickle().op(0x81)), Contains("NEWOBJ"));
  CHECK_THAT(refusal(Pickle().op(0x8a).op(9).le(0, 8).op(1)), Contains("beyond 64 bits"));
  CHECK_THAT(refusal(Pickle().op(0x80).op(6)), Contains("protocol 6"));
  CHECK_THAT(refusal(Pickle().global("collections", "OrderedDict")), Contains("as a value"));
  CHECK_THAT(refusal(Pickle().op(']').op('}').op('b')), Contains("attributes of a list"));
  // A list that holds itself, and a tree nested deeper than the reader goes: refused, no stack overflow.
  CHECK_THAT(refusal(Pickle().op(']').put(0).get(0).op('a')), Contains("holds itself"));
  Pickle deep;
  for (int i = 0; i < 100000; ++i) deep.op(']');
  for (int i = 0; i < 99999; ++i) deep.op('a');
  CHECK_THAT(refusal(deep), Contains("deeper than 256"));
  // Each level holds the one below twice: 2^60 nodes if expanded.
  Pickle shared;
  shared.op(']').put(0);
  for (int i = 1; i <= 60; ++i) shared.op(']').op('(').get(static_cast<uint8_t>(i - 1)).get(static_cast<uint8_t>(i - 1)).op('e').put(static_cast<uint8_t>(i));
  CHECK_THAT(refusal(shared), Contains("shares sub-objects"));
}

TEST_CASE("unpickler: malformed pickles are DamagedFile, never a crash", "[torchfile][unpickler]") {
  auto damage = [](const Bytes& bytes, const Storages& s = {}) {
    try {
      torchfile::unpickle(bytes.data(), bytes.size(), s.lookup());
    } catch (const DamagedFile& e) {
      return std::string(e.what());
    }
    FAIL("not refused as DamagedFile");
    return std::string();
  };
  CHECK_THAT(damage({}), Contains("without a STOP"));
  CHECK_THAT(damage(Pickle().str("abc").bytes()), Contains("without a STOP"));
  CHECK_THAT(damage(Pickle().op('X').le(100, 4).raw("short").stop().bytes()), Contains("runs past"));
  CHECK_THAT(damage(Pickle().stop().bytes()), Contains("stack is empty"));
  CHECK_THAT(damage(Pickle().op('(').stop().bytes()), Contains("stack is empty"));  // a MARK hides the stack
  CHECK_THAT(damage(Pickle().op('1').bytes()), Contains("no MARK"));
  CHECK_THAT(damage(Pickle().get(3).stop().bytes()), Contains("memo entry 3"));
  CHECK_THAT(damage(Pickle().op('N').op('a').stop().bytes()), Contains("stack is empty"));
  CHECK_THAT(damage(Pickle().op('N').op('N').op('a').stop().bytes()), Contains("APPEND on a None"));
  CHECK_THAT(damage(Pickle().op('}').op('(').op('N').op('u').stop().bytes()), Contains("a key and no value"));
  CHECK_THAT(damage(Pickle().op(0xff).bytes()), Contains("unknown opcode 0xff"));
  CHECK_THAT(damage(Pickle().op('c').raw("torch").bytes()), Contains("newline"));
  CHECK_THAT(damage(Pickle().op('N').op(')').op('R').stop().bytes()), Contains("REDUCE calls a None"));

  Storages s;
  s.entries["0"] = floats({1, 2, 3});
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 3, 0, {2}, {3}).stop().bytes(), s), Contains("past the end of storage 0"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 3, 4, {0}, {1}).stop().bytes(), s), Contains("past the end"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 3, 0, {int64_t{1} << 62, 4}, {1, 1}).stop().bytes(), s), Contains("overflows"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 4, 0, {1}, {1}).stop().bytes(), s), Contains("holds 12 bytes"));
  CHECK_THAT(damage(Pickle().tensor("DoubleStorage", "0", 3, 0, {1}, {1}).stop().bytes(), s), Contains("holds 12 bytes"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "9", 3, 0, {1}, {1}).stop().bytes(), s), Contains("no storage 9"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 3, 0, {1, 2}, {1}).stop().bytes(), s), Contains("differ in length"));
  CHECK_THAT(damage(Pickle().tensor("FloatStorage", "0", 3, 0, {-1}, {1}).stop().bytes(), s), Contains("holds -1"));
}

}  // namespace
}  // namespace trainkit::testing
