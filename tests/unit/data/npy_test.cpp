// runtime/data/npy and npz: NumPy arrays, built by hand and written by NumPy itself, and refusals.
#include "data/npy.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "data/npz.h"
#include "data_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("an .npy folder gives one field per file, named by its stem", "[data][npy]") {
  TempDir dir;
  write_plain(dir / "x.npy", npy_bytes("<f4", "(3, 2)", bytes_of<float>({1, 2, 3, 4, 5, 6})));
  write_plain(dir / "y.npy", npy_bytes("<i8", "(3,)", bytes_of<int64_t>({7, 8, 9})));
  write_text(dir / "notes.txt", "not an array");
  auto src = data::open_npy_dir(dir.path().string());
  REQUIRE(src->size() == 3);
  REQUIRE(src->fields().size() == 2);
  CHECK(src->fields()[0].name == "x");
  CHECK(data::dtype_text(src->fields()[0].dtype) == "float32");
  CHECK(src->fields()[0].shape == std::vector<int64_t>{2});
  CHECK(data::dtype_text(src->fields()[1].dtype) == "int64");
  CHECK(src->fields()[1].shape.empty());
  CHECK(read_all<float>(*src, "x") == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(read_all<int64_t>(*src, "y") == std::vector<int64_t>{7, 8, 9});
}

TEST_CASE("parse_npy_header reads format 2.0 and the dtypes trainkit maps", "[data][npy]") {
  std::vector<uint8_t> v2 = npy_bytes("|u1", "(2, 2)", {1, 2, 3, 4});
  v2[6] = 2;  // version 2.0: a 4-byte header length
  v2.insert(v2.begin() + 10, {0, 0});
  const auto h = data::parse_npy_header(v2.data(), v2.size(), "v2.npy");
  CHECK(h.shape == std::vector<int64_t>{2, 2});
  CHECK(h.data_bytes == 4);
  CHECK(v2[h.data_offset] == 1);
  for (const auto& [descr, name] : std::vector<std::pair<std::string, std::string>>{
           {"<f8", "float64"}, {"<f2", "float16"}, {"|i1", "int8"}, {"<i4", "int32"}, {"|b1", "bool"}}) {
    const auto bytes = npy_bytes(descr, "(1,)", std::vector<uint8_t>(8, 0));
    CHECK(data::dtype_text(data::parse_npy_header(bytes.data(), bytes.size(), "a.npy").dtype) == name);
  }
}

TEST_CASE("bad .npy files are refused with the file named", "[data][npy]") {
  auto refuses = [](const std::vector<uint8_t>& bytes, const std::string& why) {
    INFO(why);
    CHECK_THROWS_WITH(data::parse_npy_header(bytes.data(), bytes.size(), "bad.npy"),
                      Contains("bad.npy") && Contains(why));
  };
  refuses({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0}, "not a NumPy .npy file");
  refuses(npy_bytes("<f4", "(3,)", bytes_of<float>({1, 2})), "truncated");
  refuses(npy_bytes("<f4", "(2, 2)", std::vector<uint8_t>(16), "True"), "Fortran-order");
  refuses(npy_bytes(">f4", "(1,)", std::vector<uint8_t>(4)), "big-endian");
  refuses(npy_bytes("|O", "(1,)", std::vector<uint8_t>(8)), "unsupported dtype");
  refuses(npy_bytes("<U3", "(1,)", std::vector<uint8_t>(12)), "unsupported dtype");
  refuses(npy_bytes("<c8", "(1,)", std::vector<uint8_t>(8)), "unsupported dtype");
  refuses(npy_bytes("<f4", "(99999999999, 99999999999)", {}), "implausible shape");
  auto cut = npy_bytes("<f4", "(1,)", std::vector<uint8_t>(4));
  cut.resize(20);
  refuses(cut, "truncated .npy header");
}

TEST_CASE("an .npy folder refuses a 0-d array and fields of different lengths", "[data][npy]") {
  TempDir dir;
  write_plain(dir / "x.npy", npy_bytes("<f4", "(3,)", bytes_of<float>({1, 2, 3})));
  write_plain(dir / "y.npy", npy_bytes("<i8", "(2,)", bytes_of<int64_t>({1, 2})));
  CHECK_THROWS_WITH(data::open_npy_dir(dir.path().string()),
                    Contains("field \"y\" has 2 examples but field \"x\" has 3"));
  write_plain(dir / "y.npy", npy_bytes("<i8", "()", bytes_of<int64_t>({1})));
  CHECK_THROWS_WITH(data::open_npy_dir(dir.path().string()), Contains("y.npy") && Contains("0-d array"));
  CHECK_THROWS_WITH(data::open_npy_dir(dir / "missing"), Contains("missing") && Contains("no such folder"));
  TempDir empty;
  CHECK_THROWS_WITH(data::open_npy_dir(empty.path().string()), Contains("no .npy file"));
}

TEST_CASE("npz: np.savez and np.savez_compressed archives read as fields by array name", "[data][npz][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const auto r = run_python(
      "import numpy as np, sys\n"
      "x = np.arange(12, dtype=np.float32).reshape(4, 3)\n"
      "y = np.array([0, 1, 1, 0], dtype=np.int64)\n"
      "np.savez(sys.argv[1], x=x, y=y)\n"
      "np.savez_compressed(sys.argv[2], x=x, y=y)\n",
      {dir / "plain.npz", dir / "packed.npz"});
  REQUIRE(r.exit_code == 0);
  for (const std::string name : {"plain.npz", "packed.npz"}) {
    INFO(name);
    auto src = data::open_npz(dir / name);
    REQUIRE(src->size() == 4);
    CHECK(src->fields()[0].name == "x");
    CHECK(src->fields()[0].shape == std::vector<int64_t>{3});
    CHECK(read_all<float>(*src, "x") == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(read_all<int64_t>(*src, "y") == std::vector<int64_t>{0, 1, 1, 0});
  }
}

TEST_CASE("npz: a damaged archive or a bad array is refused with file and array named", "[data][npz][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  // Python flips a byte in the middle of x.npy's deflated data (its local header tells where that is).
  const auto r = run_python(
      "import numpy as np, sys, zipfile, struct\n"
      "np.savez_compressed(sys.argv[1], x=np.arange(4096, dtype=np.float32).reshape(64, 64), y=np.zeros(64))\n"
      "np.savez(sys.argv[2], x=np.zeros((5, 2)), y=np.zeros(4))\n"
      "info = zipfile.ZipFile(sys.argv[1]).getinfo('x.npy')\n"
      "data = bytearray(open(sys.argv[1], 'rb').read())\n"
      "o = info.header_offset\n"
      "name_len, extra_len = struct.unpack('<HH', data[o + 26:o + 30])\n"
      "data[o + 30 + name_len + extra_len + info.compress_size // 2] ^= 0xff\n"
      "open(sys.argv[3], 'wb').write(bytes(data))\n",
      {dir / "good.npz", dir / "lengths.npz", dir / "flipped.npz"});
  REQUIRE(r.exit_code == 0);
  CHECK_THROWS_WITH(data::open_npz(dir / "lengths.npz"),
                    Contains("lengths.npz") && Contains("field \"y\" has 4 examples but field \"x\" has 5"));
  CHECK_THROWS_WITH(data::open_npz(dir / "flipped.npz"), Contains("flipped.npz") && Contains("array \"x.npy\""));
  std::ifstream in(dir / "good.npz", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_plain(dir / "cut.npz", std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  CHECK_THROWS_WITH(data::open_npz(dir / "cut.npz"), Contains("cut.npz") && Contains("cannot read as an .npz"));
  write_text(dir / "text.npz", "hello");
  CHECK_THROWS_WITH(data::open_npz(dir / "text.npz"), Contains("text.npz"));
}

}  // namespace
}  // namespace trainkit::testing
