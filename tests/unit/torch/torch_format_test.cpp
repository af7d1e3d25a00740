// runtime/torch/torch_format: state trees as files Python's torch.load opens, and back (the atomic write itself: tests/unit/state/atomic_replace_test.cpp).
#include "torch/torch_format.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "state/memory_tree.h"
#include "torch/session.h"
#include "torch_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;
using state::MemoryTree;
using state::TensorLeaf;
using torchfile::looks_like_torch_file;
using torchfile::read_torch_file;

MemoryTree decode_torch(const std::vector<char>& bytes, const std::string& what) {
  return torchfile::decode_torch(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what);
}

template <class T>
TensorLeaf tensor_leaf(DLDataType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
  TensorLeaf t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

constexpr DLDataType kF32{kDLFloat, 32, 1};
constexpr DLDataType kF64{kDLFloat, 64, 1};
constexpr DLDataType kF16{kDLFloat, 16, 1};
constexpr DLDataType kBF16{kDLBfloat, 16, 1};
constexpr DLDataType kI8{kDLInt, 8, 1};
constexpr DLDataType kI16{kDLInt, 16, 1};
constexpr DLDataType kI32{kDLInt, 32, 1};
constexpr DLDataType kI64{kDLInt, 64, 1};
constexpr DLDataType kU8{kDLUInt, 8, 1};
constexpr DLDataType kBool{6, 8, 1};  // DLPack >= 0.8 kDLBool, trainkit's code for bool

// Nested scopes, every leaf type, tensors of every dtype the format maps.
MemoryTree sample_tree() {
  MemoryTree tree;
  auto& l = tree.leaves;
  l["trainer/iteration"] = int64_t{1234};
  l["trainer/elapsed_time"] = 12.5;
  l["trainer/stop_trigger/previous_epoch_detail"] = -0.0;
  l["numbers/big"] = std::numeric_limits<int64_t>::max();
  l["numbers/small"] = std::numeric_limits<int64_t>::min();
  l["numbers/tiny"] = 1e-300;
  l["numbers/third"] = 1.0 / 3.0;
  l["numbers/inf"] = std::numeric_limits<double>::infinity();
  l["flags/on"] = true;
  l["flags/off"] = false;
  l["text/plain"] = std::string("snapshot_iter_{iteration}");
  l["text/empty"] = std::string();
  l["text/unicode"] = std::string("\xce\xbb = 0.5 \xe2\x9c\x93");  // "λ = 0.5 ✓"
  l["model/1.weight"] = tensor_leaf<float>(kF32, {2, 3}, {1.5f, -2.f, 0.f, 3.25f, 1e-30f, -0.f});
  l["model/scalar"] = tensor_leaf<double>(kF64, {}, {2.0 / 3.0});
  l["model/empty"] = tensor_leaf<float>(kF32, {0, 3}, {});
  l["dtypes/f16"] = tensor_leaf<uint16_t>(kF16, {2}, {0x3c00, 0xc000});   // 1, -2
  l["dtypes/bf16"] = tensor_leaf<uint16_t>(kBF16, {2}, {0x3f80, 0x4040});  // 1, 3
  l["dtypes/i8"] = tensor_leaf<int8_t>(kI8, {3}, {-128, 0, 127});
  l["dtypes/i16"] = tensor_leaf<int16_t>(kI16, {2}, {-32768, 32767});
  l["dtypes/i32"] = tensor_leaf<int32_t>(kI32, {2, 1}, {-7, 1 << 30});
  l["dtypes/i64"] = tensor_leaf<int64_t>(kI64, {3}, {-1, 0, int64_t{1} << 62});
  l["dtypes/u8"] = tensor_leaf<uint8_t>(kU8, {2, 2}, {0, 1, 254, 255});
  l["dtypes/bool"] = tensor_leaf<uint8_t>(kBool, {3}, {1, 0, 1});
  l["optimizer/state/0/step"] = int64_t{3};
  l["deep/a/b/c/d/e"] = int64_t{5};
  return tree;
}

// Bytes leaves come back as 1-d uint8 tensors (Note [The torch snapshot format]).
MemoryTree with_bytes_as_tensors(MemoryTree tree) {
  for (auto& [key, leaf] : tree.leaves)
    if (const auto* b = std::get_if<std::vector<uint8_t>>(&leaf))
      leaf = tensor_leaf<uint8_t>(kU8, {static_cast<int64_t>(b->size())}, *b);
  return tree;
}

std::string first_difference(const MemoryTree& a, const MemoryTree& b) {
  for (const auto& [key, leaf] : a.leaves) {
    auto it = b.leaves.find(key);
    if (it == b.leaves.end()) return key + " (only in the first)";
    if (!(it->second == leaf)) return key + " (" + state::leaf_type_name(leaf) + " vs " +
                                     state::leaf_type_name(it->second) + ")";
  }
  for (const auto& [key, leaf] : b.leaves)
    if (!a.leaves.count(key)) return key + " (only in the second)";
  return "";
}

std::vector<std::string> folder_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

TEST_CASE("torch format: write then read gives the same tree", "[torch][torch_format]") {
  TempDir dir;
  MemoryTree tree = sample_tree();
  tree.leaves["updater/order_generator"] = std::vector<uint8_t>{0, 1, 2, 255};
  tree.leaves["updater/empty_bytes"] = std::vector<uint8_t>{};
  const std::string path = dir / "snapshot_iter_1234";
  write_torch_file(tree, path);

  const MemoryTree back = read_torch_file(path);
  CHECK(first_difference(with_bytes_as_tensors(tree), back) == "");
  CHECK(back.leaves.size() == tree.leaves.size());
  // The loader reads bytes back from their tensor form, and every other leaf as itself.
  state::MemoryLoader loader(back);
  std::vector<uint8_t> bytes;
  loader.scope("updater", [&] {
    REQUIRE(loader.bytes("order_generator", bytes));
    CHECK(bytes == std::vector<uint8_t>{0, 1, 2, 255});
    REQUIRE(loader.bytes("empty_bytes", bytes));
    CHECK(bytes.empty());
  });
  int64_t iteration = 0;
  double elapsed = 0;
  bool on = false;
  loader.scope("trainer", [&] {
    CHECK(loader.value("iteration", iteration));
    CHECK(loader.value("elapsed_time", elapsed));
  });
  loader.scope("flags", [&] { CHECK(loader.value("on", on)); });
  CHECK(iteration == 1234);
  CHECK(elapsed == 12.5);
  CHECK(on);
  CHECK(std::signbit(std::get<double>(back.leaves.at("trainer/stop_trigger/previous_epoch_detail"))));

  // encode_torch gives the file's bytes; decode_torch reads them.
  CHECK(read_all(path) == encode_torch(tree));
  CHECK(first_difference(decode_torch(encode_torch(tree), "memory"), back) == "");

  // An empty tree is an empty dict.
  write_torch_file(MemoryTree{}, dir / "empty");
  CHECK(read_torch_file(dir / "empty").leaves.empty());
}

TEST_CASE("torch format: pickle_save writes a PyTorch zip archive that looks_like_torch_file recognises",
          "[torch][torch_format]") {
  TempDir dir;
  write_torch_file(sample_tree(), dir / "with_tensors");
  MemoryTree numbers;
  numbers.leaves["a/b"] = int64_t{1};
  write_torch_file(numbers, dir / "no_tensors");
  for (const std::string name : {"with_tensors", "no_tensors"}) {
    INFO(name);
    const std::vector<char> bytes = read_all(dir / name);
    REQUIRE(bytes.size() > 40);
    CHECK(std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0);  // a zip, not a raw pickle (0x80)
    const size_t name_len = static_cast<unsigned char>(bytes[26]) | (static_cast<unsigned char>(bytes[27]) << 8);
    const std::string first_entry(bytes.data() + 30, name_len);
    CHECK(first_entry == (name == "with_tensors" ? "archive/data/0" : "archive/data.pkl"));
    CHECK(looks_like_torch_file(dir / name));
  }

  CHECK_FALSE(looks_like_torch_file(dir / "absent"));
  write_all(dir / "empty", {});
  CHECK_FALSE(looks_like_torch_file(dir / "empty"));
  const std::string text = "[trainer]\nstop = \"1 epoch\"\n";
  write_all(dir / "text", std::vector<char>(text.begin(), text.end()));
  CHECK_FALSE(looks_like_torch_file(dir / "text"));
  // A legacy torch.save file is a raw pickle (protocol 2: 0x80 0x02); pickle_load cannot read it.
  write_all(dir / "legacy", {'\x80', '\x02', '}', 'q', '\x00', '.'});
  CHECK_FALSE(looks_like_torch_file(dir / "legacy"));
  // trainkit's own archive starts with its magic.
  write_all(dir / "trainkit", {'\x89', 'T', 'K', 'S', '\r', '\n', '\x1a', '\n', 0, 0, 0, 0});
  CHECK_FALSE(looks_like_torch_file(dir / "trainkit"));
  // A zip of something else (an entry not under a folder).
  std::vector<char> other_zip(64, '\0');
  std::memcpy(other_zip.data(), "PK\x03\x04", 4);
  other_zip[26] = 8;
  std::memcpy(other_zip.data() + 30, "notes.md", 8);
  write_all(dir / "other.zip", other_zip);
  CHECK_FALSE(looks_like_torch_file(dir / "other.zip"));
  CHECK_FALSE(looks_like_torch_file(dir.path().string()));  // a folder
}

TEST_CASE("torch format: damaged files are ResumeErrors and never crash the reader", "[torch][torch_format]") {
  TempDir dir;
  CHECK_THROWS_MATCHES(read_torch_file(dir / "absent"), ResumeError,
                       Catch::Matchers::Predicate<ResumeError>([](const ResumeError& e) {
                         return std::string(e.what()).find("absent: cannot open") != std::string::npos;
                       }));
  write_all(dir / "garbage", std::vector<char>(1000, 'x'));
  CHECK_THROWS_WITH(read_torch_file(dir / "garbage"), Contains("garbage: cannot read as a torch file"));
  write_all(dir / "empty", {});
  CHECK_THROWS_AS(read_torch_file(dir / "empty"), ResumeError);

  MemoryTree tree = sample_tree();
  tree.leaves["updater/order_generator"] = std::vector<uint8_t>(5000, 7);
  const std::vector<char> good = encode_torch(tree);
  // Every truncation length (in steps) and single-byte damage at many places: a ResumeError or, where the
  // damage hits tensor bytes the zip does not checksum, a tree; never a crash or another exception.
  int refused = 0, read = 0;
  auto attempt = [&](const std::vector<char>& bytes) {
    try {
      decode_torch(bytes, "damaged");
      ++read;
    } catch (const ResumeError& e) {
      CHECK_THAT(e.what(), Contains("damaged: cannot read as a torch file"));
      ++refused;
    }
  };
  for (size_t len = 0; len < good.size(); len += 1 + len / 16) attempt(std::vector<char>(good.begin(), good.begin() + len));
  for (size_t pos = 0; pos < good.size(); pos += 7) {
    std::vector<char> bytes = good;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x5a);
    attempt(bytes);
  }
  CHECK(refused > 0);
  INFO(refused << " refused, " << read << " read");
  SUCCEED();
}

TEST_CASE("torch format: trees the format cannot hold are refused when writing", "[torch][torch_format]") {
  TempDir dir;
  MemoryTree both;
  both.leaves["a"] = int64_t{1};
  both.leaves["a/b"] = int64_t{2};
  CHECK_THROWS_WITH(encode_torch(both), Contains("'a' is both a value and a scope"));
  MemoryTree empty_part;
  empty_part.leaves["a//b"] = int64_t{1};
  CHECK_THROWS_WITH(encode_torch(empty_part), Contains("empty part"));
  MemoryTree not_utf8;
  not_utf8.leaves["meta/name"] = std::string("caf\xe9");
  CHECK_THROWS_WITH(encode_torch(not_utf8), Contains("meta/name") && Contains("not UTF-8"));
  MemoryTree complex;
  complex.leaves["z"] = tensor_leaf<float>(DLDataType{kDLComplex, 64, 1}, {1}, {1.f, 2.f});
  CHECK_THROWS_WITH(encode_torch(complex), Contains("'z'"));
  MemoryTree short_data;
  short_data.leaves["t"] = tensor_leaf<float>(kF32, {3}, {1.f, 2.f});
  CHECK_THROWS_WITH(encode_torch(short_data), Contains("8 bytes for a float32 [3] tensor"));
  // Nothing is written when encoding fails.
  CHECK_THROWS_AS(write_torch_file(both, dir / "x"), TrainingError);
  CHECK(folder_entries(dir.path().string()).empty());
}

// Python checks what torch.load gives for sample_tree().
constexpr const char* kPythonCheck = R"PY(
import math, sys, torch
d = torch.load(sys.argv[1])
assert type(d) is dict, type(d)
assert sorted(d) == ['deep', 'dtypes', 'flags', 'model', 'numbers', 'optimizer', 'text', 'trainer', 'updater'], sorted(d)
t = d['trainer']
assert t['iteration'] == 1234 and type(t['iteration']) is int
assert t['elapsed_time'] == 12.5 and type(t['elapsed_time']) is float
assert math.copysign(1.0, t['stop_trigger']['previous_epoch_detail']) == -1.0
n = d['numbers']
assert n['big'] == 2**63 - 1 and n['small'] == -2**63
assert n['tiny'] == 1e-300 and n['third'] == 1.0 / 3.0 and n['inf'] == math.inf
assert d['flags'] == {'on': True, 'off': False} and type(d['flags']['on']) is bool
assert d['text'] == {'plain': 'snapshot_iter_{iteration}', 'empty': '', 'unicode': '\u03bb = 0.5 \u2713'}
m = d['model']
assert torch.equal(m['1.weight'], torch.tensor([[1.5, -2.0, 0.0], [3.25, 1e-30, -0.0]], dtype=torch.float32))
assert m['scalar'].dtype == torch.float64 and m['scalar'].dim() == 0 and m['scalar'].item() == 2.0 / 3.0
assert m['empty'].shape == (0, 3) and m['empty'].dtype == torch.float32
x = d['dtypes']
assert torch.equal(x['f16'], torch.tensor([1.0, -2.0], dtype=torch.float16))
assert torch.equal(x['bf16'], torch.tensor([1.0, 3.0], dtype=torch.bfloat16))
assert torch.equal(x['i8'], torch.tensor([-128, 0, 127], dtype=torch.int8))
assert torch.equal(x['i16'], torch.tensor([-32768, 32767], dtype=torch.int16))
assert torch.equal(x['i32'], torch.tensor([[-7], [2**30]], dtype=torch.int32))
assert torch.equal(x['i64'], torch.tensor([-1, 0, 2**62], dtype=torch.int64))
assert torch.equal(x['u8'], torch.tensor([[0, 1], [254, 255]], dtype=torch.uint8))
assert torch.equal(x['bool'], torch.tensor([True, False, True]))
assert d['optimizer'] == {'state': {'0': {'step': 3}}}
assert d['deep']['a']['b']['c']['d']['e'] == 5
g = d['updater']['order_generator']
assert g.dtype == torch.uint8 and g.tolist() == [0, 1, 2, 255]
print('OK')
)PY";

TEST_CASE("torch format: Python torch.load reads nested dicts with tensors and numbers", "[torch][torch_format][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  MemoryTree tree = sample_tree();
  tree.leaves["updater/order_generator"] = std::vector<uint8_t>{0, 1, 2, 255};
  write_torch_file(tree, dir / "snapshot");
  const auto r = run_python(kPythonCheck, {dir / "snapshot"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "OK\n");
}

TEST_CASE("torch format: files written by Python torch.save read back", "[torch][torch_format][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const auto r = run_python(R"PY(
import collections, sys, torch
w = torch.ones(2, 3)
torch.save({'model': {'fc.weight': w, 'fc.bias': torch.arange(3.0)[1:]},
            'optimizer': {'state': {0: {'step': 4, 'x': 0.5}, 1: {'step': 5, 'y': True}}, 'name': 'adam'},
            'iteration': 7, 'lr': 0.5, 'on': True, 'name': 'x'}, sys.argv[1])
torch.save({'a': {'list': [1, 2], 'n': 1}, 'b': 1}, sys.argv[2])
torch.save([1, 2], sys.argv[3])
torch.save({'a': None, 'b': 1}, sys.argv[4])
torch.save(torch.nn.Linear(2, 3).state_dict(), sys.argv[5])
torch.save({'a': {'one': 1}, 'b': 1}, sys.argv[6])
)PY",
                            {dir / "good", dir / "list", dir / "top", dir / "none", dir / "state_dict", dir / "one"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(looks_like_torch_file(dir / "good"));
  const MemoryTree tree = read_torch_file(dir / "good");
  CHECK(tree.leaves.size() == 11);
  const auto& w = std::get<TensorLeaf>(tree.leaves.at("model/fc.weight"));
  CHECK(w.shape == std::vector<int64_t>{2, 3});
  CHECK(w.data.size() == 24);
  // A view into a larger storage comes back as its own compact bytes.
  const auto& b = std::get<TensorLeaf>(tree.leaves.at("model/fc.bias"));
  CHECK(b.shape == std::vector<int64_t>{2});
  float bias[2] = {};
  std::memcpy(bias, b.data.data(), 8);
  CHECK(bias[0] == 1.0f);
  CHECK(bias[1] == 2.0f);
  CHECK(std::get<int64_t>(tree.leaves.at("optimizer/state/0/step")) == 4);  // int keys become their text
  CHECK(std::get<double>(tree.leaves.at("optimizer/state/0/x")) == 0.5);
  CHECK(std::get<bool>(tree.leaves.at("optimizer/state/1/y")));
  CHECK(std::get<int64_t>(tree.leaves.at("iteration")) == 7);
  CHECK(std::get<double>(tree.leaves.at("lr")) == 0.5);
  CHECK(std::get<bool>(tree.leaves.at("on")));
  CHECK(std::get<std::string>(tree.leaves.at("name")) == "x");

  CHECK_THROWS_WITH(read_torch_file(dir / "list"), Contains("'a/list' holds a list"));
  CHECK_THROWS_WITH(read_torch_file(dir / "top"), Contains("the file holds a list of 2 items, not a dict"));
  CHECK_THROWS_WITH(read_torch_file(dir / "none"), Contains("'a' holds a None"));
  // A state_dict (an OrderedDict with _metadata) and Python's one-item dicts (SETITEM) read too.
  const MemoryTree sd = read_torch_file(dir / "state_dict");
  CHECK(sd.leaves.size() == 2);
  CHECK(std::get<TensorLeaf>(sd.leaves.at("weight")).shape == std::vector<int64_t>{3, 2});
  CHECK(std::get<int64_t>(read_torch_file(dir / "one").leaves.at("a/one")) == 1);
}

// The run both tests below interrupt: Adam with amsgrad on 90 tiny examples, 16 per batch.
Manifest tiny_adam_manifest(const TempDir& dir) {
  write_tiny_split(dir.path(), "tiny", 90);
  Manifest m;
  m.trainer.seed = 3;
  m.data.root = dir.path().string();
  m.data.train = "tiny";
  m.data.validation = "";
  m.data.batch_size = 16;
  m.model.hidden = {32};
  m.model.dropout = 0.25;
  m.optimizer.name = "adam";
  m.optimizer.lr = 1e-3;
  m.optimizer.amsgrad = true;
  return m;
}

std::vector<double> losses(Session& s, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    Observation obs;
    s.step(obs);
    out.push_back(observed(obs, "main/loss"));
  }
  return out;
}

// 8 steps, then an LR shift: the session's state at that point.
MemoryTree state_after_shift(const Manifest& m) {
  auto session = make_session(m);
  losses(*session, 8);
  REQUIRE(session->set_hyperparameter(0, "lr", 5e-4));
  MemoryTree saved;
  {
    state::MemorySaver saver(saved);
    session->visit(saver);
  }
  return saved;
}

// A whole session through the torch format: save after k steps, write, read, load into a fresh session,
// continue; the losses and the final state equal an uninterrupted run's.
TEST_CASE("torch format: a session resumes bit-identically through a torch file", "[torch][torch_format][resume]") {
  TempDir dir;
  const Manifest m = tiny_adam_manifest(dir);
  // Uninterrupted: 8 steps, an LR shift, 6 more.
  auto straight = make_session(m);
  losses(*straight, 8);
  REQUIRE(straight->set_hyperparameter(0, "lr", 5e-4));
  const std::vector<double> expected = losses(*straight, 6);

  // Interrupted after the shift: save, write a torch file, read it, load into a fresh session.
  const MemoryTree saved = state_after_shift(m);
  write_torch_file(saved, dir / "snapshot_iter_8");
  const MemoryTree read = read_torch_file(dir / "snapshot_iter_8");
  CHECK(first_difference(with_bytes_as_tensors(saved), read) == "");

  auto resumed = make_session(m);
  {
    state::MemoryLoader loader(read);
    resumed->visit(loader);
  }
  CHECK(resumed->hyperparameter(0, "lr") == 5e-4);
  CHECK(losses(*resumed, 6) == expected);
  CHECK(parameter_bytes(*resumed) == parameter_bytes(*straight));
  MemoryTree end_straight, end_resumed;
  {
    state::MemorySaver a(end_straight), b(end_resumed);
    straight->visit(a);
    resumed->visit(b);
  }
  CHECK(first_difference(end_straight, end_resumed) == "");
}

TEST_CASE("torch format: Python loads a session's torch file as state_dicts", "[torch][torch_format][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_torch_file(state_after_shift(tiny_adam_manifest(dir)), dir / "snapshot_iter_8");
  // The model part is a state_dict for the Python twin of the builtin mlp.
  const auto r = run_python(R"PY(
import sys, torch
d = torch.load(sys.argv[1])
net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Dropout(0.25),
                          torch.nn.Linear(32, 10))
net.load_state_dict(d['model'])
assert d['optimizer']['name'] == 'adam'
assert d['optimizer']['groups']['0']['lr'] == 5e-4 and d['optimizer']['groups']['0']['amsgrad'] is True
assert d['optimizer']['state']['0']['step'] == 8
assert d['optimizer']['state']['0']['max_exp_avg_sq'].shape == (32, 784)
assert d['updater']['epoch'] == 2 and d['updater']['position'] == 32
assert sorted(d['updater']['order'].tolist()) == list(range(90))
print('OK')
)PY",
                            {dir / "snapshot_iter_8"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "OK\n");
}

}  // namespace
}  // namespace trainkit::testing
