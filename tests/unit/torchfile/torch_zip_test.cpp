// runtime/torchfile/torch_zip: torch.save's zip layout, from files built by hand and written by Python.
#include "torchfile/torch_zip.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "state/dl_tensor.h"
#include "torchfile/errors.h"
#include "torchfile_test_support.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;
using torchfile::TorchZip;
using torchfile::Value;
using Kind = torchfile::Value::Kind;

TorchZip parse(const Bytes& b) { return torchfile::parse_torch_zip(b.data(), b.size()); }

// {"w": a float32 [2, 2] tensor over storage 0, "n": 3}
ZipFile small_file() {
  Pickle p;
  p.op('}').op('(').str("w").tensor("FloatStorage", "0", 4, 0, {2, 2}, {2, 1}).str("n").i(3).op('u').stop();
  return torch_zip(p, {{"0", Bytes(16, 0)}});
}

template <class T>
std::vector<T> values_of(const Value& v) {
  REQUIRE(v.is(Kind::tensor));
  Bytes b(v.tensor.nbytes());
  v.tensor.copy_compact(b.data());
  std::vector<T> out(b.size() / sizeof(T));
  std::memcpy(out.data(), b.data(), b.size());
  return out;
}

TEST_CASE("torch zip: the archive folder, data.pkl and the storages", "[torchfile][torch_zip]") {
  const TorchZip zip = parse(small_file().bytes());
  CHECK(zip.kind == TorchZip::Kind::data);
  CHECK(zip.archive == "archive");
  CHECK(zip.root.find("n")->integer == 3);
  CHECK(zip.root.find("w")->tensor.storage_bytes == 16);

  ZipFile no_pickle = small_file();
  no_pickle.entries.erase(no_pickle.entries.begin());
  CHECK_THROWS_WITH(parse(no_pickle.bytes()), Contains("without archive/data.pkl"));
  ZipFile no_storage = small_file();
  no_storage.entries.erase(no_storage.entries.begin() + 1);
  CHECK_THROWS_AS(parse(no_storage.bytes()), torchfile::DamagedFile);
  ZipFile twice = small_file();
  twice.entries.push_back(twice.entries[1]);
  CHECK_THROWS_WITH(parse(twice.bytes()), Contains("archive/data/0 appears twice"));
  ZipFile not_in_folder = small_file();
  not_in_folder.entries.insert(not_in_folder.entries.begin(), {"notes.txt", bytes_of("x")});
  CHECK_THROWS_AS(parse(not_in_folder.bytes()), torchfile::Unsupported);
  ZipFile big_endian = small_file();
  big_endian.entries.push_back({"archive/byteorder", bytes_of("big")});
  CHECK_THROWS_WITH(parse(big_endian.bytes()), Contains("big-endian"));
  ZipFile little_endian = small_file();
  little_endian.entries.push_back({"archive/byteorder", bytes_of("little")});
  CHECK(parse(little_endian.bytes()).root.find("n")->integer == 3);
  ZipFile compressed = small_file();
  compressed.entries[0].method = 8;
  CHECK_THROWS_WITH(parse(compressed.bytes()), Contains("archive/data.pkl is compressed"));
  // torch.jit.save: code/ and constants.pkl; its pickle is never read.
  ZipFile script;
  script.entries = {{"m/data.pkl", bytes_of("not a torch.save pickle")}, {"m/code/__torch__.py", bytes_of("")},
                    {"m/constants.pkl", bytes_of("")}};
  CHECK(parse(script.bytes()).kind == TorchZip::Kind::torchscript);
  // The legacy format is a bare pickle with a magic number.
  const Bytes legacy = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};
  CHECK_THROWS_WITH(parse(legacy), Contains("legacy torch.save format"));
}

TEST_CASE("torch zip: damaged files are DamagedFile or Unsupported, never a crash", "[torchfile][torch_zip]") {
  const Bytes good = small_file().bytes();
  int read = 0, refused = 0;
  auto attempt = [&](const Bytes& b) {
    try {
      parse(b);
      ++read;
    } catch (const torchfile::Error&) {
      ++refused;
    }
  };
  for (size_t n = 0; n < good.size(); ++n) attempt(Bytes(good.begin(), good.begin() + static_cast<long>(n)));
  CHECK(read == 0);
  for (size_t pos = 0; pos < good.size(); ++pos)
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      Bytes b = good;
      b[pos] ^= flip;
      attempt(b);
    }
  INFO(read << " read, " << refused << " refused");
  CHECK(refused > 3 * static_cast<int>(good.size()) * 3 / 4);
}

TEST_CASE("torch zip: what Python's torch.save writes reads back", "[torchfile][torch_zip][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  tk_test::TempDir dir;
  const auto r = run_python(R"PY(
import collections, sys, torch
out = sys.argv[1]
net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
torch.save(net.state_dict(), out + '/sd.pt')
torch.save(net.state_dict(), out + '/proto4.pt', pickle_protocol=4)
x = torch.arange(10.0)
torch.save({'slice': x[2:5], 'transposed': torch.arange(6.0).reshape(2, 3).t(), 'expanded': torch.tensor(7.0).expand(2, 3),
            'scalar': torch.tensor(3.5, dtype=torch.float64), 'empty': torch.zeros(0, 3), 'param': torch.nn.Parameter(torch.ones(2)),
            'shared_a': x, 'shared_b': x[1:]}, out + '/views.pt')
torch.save({'f16': torch.tensor([1.0, -2.0], dtype=torch.float16), 'bf16': torch.tensor([1.0, 3.0], dtype=torch.bfloat16),
            'f64': torch.tensor([0.5], dtype=torch.float64), 'i8': torch.tensor([-128, 127], dtype=torch.int8),
            'i16': torch.tensor([-32768], dtype=torch.int16), 'i32': torch.tensor([1 << 30], dtype=torch.int32),
            'i64': torch.tensor([-(1 << 62)]), 'u8': torch.tensor([255], dtype=torch.uint8),
            'bool': torch.tensor([True, False]), 'c64': torch.tensor([1 + 2j], dtype=torch.complex64)}, out + '/dtypes.pt')
torch.save({'a': [1, 'x', None], 'b': (1, 2.5), 'c': {0: {'step': 4}}, 'd': {'one': True}}, out + '/plain.pt')
torch.save(torch.nn.Linear(2, 3), out + '/module.pt')
)PY",
                            {dir.path()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  for (const std::string name : {"sd.pt", "proto4.pt"}) {
    INFO(name);
    const torchfile::TorchFile file = torchfile::TorchFile::open(dir.file(name));
    const Value& sd = file.zip().root;
    CHECK(file.zip().archive == name.substr(0, name.size() - 3));
    REQUIRE(sd.is(Kind::dict));
    CHECK(sd.ordered);
    CHECK(torchfile::summary(sd) == "an OrderedDict with keys 0.weight, 0.bias, 1.weight, 1.bias, 1.running_mean, "
                                    "1.running_var, 1.num_batches_tracked");
    CHECK(sd.find("0.weight")->tensor.shape == std::vector<int64_t>{3, 2});
    CHECK(values_of<int64_t>(*sd.find("1.num_batches_tracked")) == std::vector<int64_t>{0});
    CHECK(values_of<float>(*sd.find("1.running_var")) == std::vector<float>{1, 1, 1});
  }

  const torchfile::TorchFile views = torchfile::TorchFile::open(dir.file("views.pt"));
  const Value& v = views.zip().root;
  CHECK(values_of<float>(*v.find("slice")) == std::vector<float>{2, 3, 4});
  CHECK(values_of<float>(*v.find("transposed")) == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(values_of<float>(*v.find("expanded")) == std::vector<float>(6, 7.f));
  CHECK(values_of<double>(*v.find("scalar")) == std::vector<double>{3.5});
  CHECK(v.find("scalar")->tensor.shape.empty());
  CHECK(v.find("empty")->tensor.shape == std::vector<int64_t>{0, 3});
  CHECK(values_of<float>(*v.find("param")) == std::vector<float>{1, 1});
  CHECK(v.find("shared_a")->tensor.storage_key == v.find("shared_b")->tensor.storage_key);
  CHECK(values_of<float>(*v.find("shared_b")).front() == 1.f);

  const torchfile::TorchFile dtypes = torchfile::TorchFile::open(dir.file("dtypes.pt"));
  std::string names;
  for (const auto& [key, value] : dtypes.zip().root.entries) names += key.string + "=" + state::dtype_name(value.tensor.dtype) + " ";
  CHECK(names == "f16=float16 bf16=bfloat16 f64=float64 i8=int8 i16=int16 i32=int32 i64=int64 u8=uint8 bool=bool c64=complex64 ");
  CHECK(values_of<uint16_t>(*dtypes.zip().root.find("bf16")) == std::vector<uint16_t>{0x3f80, 0x4040});
  CHECK(values_of<int64_t>(*dtypes.zip().root.find("i64")) == std::vector<int64_t>{-(int64_t{1} << 62)});

  const torchfile::TorchFile plain = torchfile::TorchFile::open(dir.file("plain.pt"));
  const Value& p = plain.zip().root;
  CHECK(torchfile::summary(*p.find("a")) == "a list of 3 items");
  CHECK(p.find("a")->items[2].is(Kind::none));
  CHECK(p.find("b")->items[1].floating == 2.5);
  CHECK(p.find("c")->entries[0].first.integer == 0);
  CHECK(p.find("d")->find("one")->boolean);

  CHECK_THROWS_WITH(torchfile::TorchFile::open(dir.file("module.pt")),
                    Contains("torch.nn.modules.linear.Linear") && Contains("model.state_dict()"));
}

}  // namespace
}  // namespace trainkit::testing
