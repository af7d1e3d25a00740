// Helpers of the torchfile tests: pickles and zip archives built by hand (so each opcode and each field
// can be forged), file bytes, and Python's torch.save run from a test.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "process.h"
#include "requirements.h"

namespace trainkit::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Runs `/usr/bin/python3 -c script args...`; stdout and stderr are captured.
inline tk_test::ProcessResult run_python(const std::string& script, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv{tk_test::kPython, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return tk_test::run_process(argv);
}

// A pickle written opcode by opcode: p.op('}').op('(').str("a").i(1).op('u').op('.').
class Pickle {
 public:
  Pickle() { op(0x80).op(2); }  // PROTO 2
  Pickle& op(uint8_t b) {
    bytes_.push_back(b);
    return *this;
  }
  Pickle& raw(const std::string& s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  Pickle& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Pickle& str(const std::string& s) { return op('X').le(s.size(), 4).raw(s); }
  Pickle& i(int64_t v) {  // the shortest form, as Python writes it
    if (v >= 0 && v < 256) return op('K').le(static_cast<uint64_t>(v), 1);
    if (v >= 0 && v < 65536) return op('M').le(static_cast<uint64_t>(v), 2);
    if (v >= INT32_MIN && v <= INT32_MAX) return op('J').le(static_cast<uint64_t>(v), 4);
    return op(0x8a).op(8).le(static_cast<uint64_t>(v), 8);
  }
  Pickle& f(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, 8);
    op('G');
    for (int i = 7; i >= 0; --i) bytes_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
    return *this;
  }
  Pickle& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
  Pickle& put(uint8_t index) { return op('q').op(index); }
  Pickle& get(uint8_t index) { return op('h').op(index); }
  // torch._utils._rebuild_tensor_v2(storage <key> of <type> and <numel>, offset, size, stride, False, OrderedDict())
  Pickle& tensor(const std::string& type, const std::string& key, int64_t numel, int64_t offset,
                 const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    global("torch._utils", "_rebuild_tensor_v2").op('(');
    op('(').str("storage").global("torch", type).str(key).str("cpu").i(numel).op('t').op('Q');
    i(offset).op('(');
    for (int64_t s : size) i(s);
    op('t').op('(');
    for (int64_t s : stride) i(s);
    op('t').op(0x89).global("collections", "OrderedDict").op(')').op('R');
    return op('t').op('R');
  }
  Pickle& stop() { return op('.'); }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

// A zip archive of stored entries laid out as PyTorch writes them (local header, bytes, then the central
// directory and the end record), with the fields a test may forge.
struct ZipFile {
  struct Entry {
    std::string name;
    Bytes data;
    unsigned method = 0;
    unsigned flags = 0;
  };
  std::vector<Entry> entries;
  bool zip64 = false;  // zip64 end record and locator, with 0xFFFF... in the classic end record

  Bytes bytes() const {
    Bytes out;
    auto le = [&](uint64_t v, int n) {
      for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    auto append = [&](const void* p, size_t n) {
      const auto* b = static_cast<const uint8_t*>(p);
      out.insert(out.end(), b, b + n);
    };
    std::vector<uint64_t> offsets;
    for (const Entry& e : entries) {
      offsets.push_back(out.size());
      le(0x04034b50, 4), le(20, 2), le(e.flags, 2), le(e.method, 2), le(0, 4);
      le(crc(e.data), 4), le(e.data.size(), 4), le(e.data.size(), 4), le(e.name.size(), 2), le(0, 2);
      append(e.name.data(), e.name.size());
      append(e.data.data(), e.data.size());
    }
    const uint64_t directory = out.size();
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      le(0x02014b50, 4), le(20, 2), le(20, 2), le(e.flags, 2), le(e.method, 2), le(0, 4), le(crc(e.data), 4);
      le(e.data.size(), 4), le(e.data.size(), 4), le(e.name.size(), 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2);
      le(0, 4), le(offsets[i], 4);
      append(e.name.data(), e.name.size());
    }
    const uint64_t directory_size = out.size() - directory;
    if (zip64) {
      const uint64_t record = out.size();
      le(0x06064b50, 4), le(44, 8), le(45, 2), le(45, 2), le(0, 4), le(0, 4);
      le(entries.size(), 8), le(entries.size(), 8), le(directory_size, 8), le(directory, 8);
      le(0x07064b50, 4), le(0, 4), le(record, 8), le(1, 4);
    }
    le(0x06054b50, 4), le(0, 2), le(0, 2);
    le(zip64 ? 0xFFFF : entries.size(), 2), le(zip64 ? 0xFFFF : entries.size(), 2);
    le(zip64 ? 0xFFFFFFFF : directory_size, 4), le(zip64 ? 0xFFFFFFFF : directory, 4), le(0, 2);
    return out;
  }

  static uint32_t crc(const Bytes& b) { return static_cast<uint32_t>(crc32(0, b.data(), static_cast<uInt>(b.size()))); }
};

inline Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A torch.save file built by hand: archive/data.pkl, archive/data/<key> per storage, archive/version.
inline ZipFile torch_zip(const Pickle& pickle, const std::vector<std::pair<std::string, Bytes>>& storages = {}) {
  ZipFile zip;
  zip.entries.push_back({"archive/data.pkl", pickle.bytes()});
  for (const auto& [key, bytes] : storages) zip.entries.push_back({"archive/data/" + key, bytes});
  zip.entries.push_back({"archive/version", bytes_of("3\n")});
  zip.zip64 = true;
  return zip;
}

}  // namespace trainkit::testing
