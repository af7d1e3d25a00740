// Helpers shared by the tests of runtime/torch: temp folders, tiny IDX files, a small manifest.
#pragma once

#include <zlib.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "process.h"
#include "requirements.h"  // TK_REQUIRE_DATA, TK_REQUIRE_PYTHON_TORCH
#include "torch/session.h"

namespace trainkit::testing {

namespace fs = std::filesystem;

using tk_test::kFashionMnist;
using tk_test::kPython;

// Runs `/usr/bin/python3 -c script args...`; stdout and stderr are captured.
inline tk_test::ProcessResult run_python(const std::string& script, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv{kPython, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return tk_test::run_process(argv);
}

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tk_torch_test_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// An IDX header of unsigned bytes: 0 0 8 rank, then the sizes big-endian.
inline std::vector<uint8_t> idx_header(const std::vector<uint32_t>& dims, uint8_t type = 0x08) {
  std::vector<uint8_t> out{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  return out;
}

inline void write_plain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
}

inline std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A small learnable data set written as `<dir>/<stem>-{images-idx3,labels-idx1}-ubyte`: example i has
// class i % 10 and a bright 4x4 block at a position that depends on the class.
inline void write_tiny_split(const fs::path& dir, const std::string& stem, uint32_t count, bool gz = false) {
  std::vector<uint8_t> pixels(static_cast<size_t>(count) * 28 * 28, 0);
  std::vector<uint8_t> labels(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t label = i % 10;
    labels[i] = static_cast<uint8_t>(label);
    const uint32_t top = 2 + 2 * label, left = 4 + (i % 3);
    for (uint32_t r = top; r < top + 4; ++r)
      for (uint32_t c = left; c < left + 4; ++c) pixels[(static_cast<size_t>(i) * 28 + r) * 28 + c] = 255;
  }
  const auto images = concat(idx_header({count, 28, 28}), pixels);
  const auto label_file = concat(idx_header({count}), labels);
  const std::string suffix = gz ? ".gz" : "";
  auto write = gz ? write_gz : write_plain;
  write((dir / (stem + "-images-idx3-ubyte" + suffix)).string(), images);
  write((dir / (stem + "-labels-idx1-ubyte" + suffix)).string(), label_file);
}

// A Fashion-MNIST run small enough for a unit test: 2000 training and 500 validation examples.
inline Manifest small_fashion_manifest() {
  Manifest m;
  m.trainer.seed = 0;
  m.data.root = kFashionMnist;
  m.data.train_limit = 2000;
  m.data.validation_limit = 500;
  m.data.batch_size = 64;
  m.model.builtin = "mlp";
  m.model.hidden = {64};
  m.optimizer.name = "sgd";
  m.optimizer.lr = 0.05;
  m.optimizer.momentum = 0.9;
  return m;
}

// Every parameter's bytes, concatenated: equal vectors mean bit-identical models.
inline std::vector<uint8_t> parameter_bytes(Session& session) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < session.parameter_count(); ++i) {
    DLTensor t{};
    REQUIRE(session.parameter(i, nullptr, &t));
    int64_t n = 1;
    for (int d = 0; d < t.ndim; ++d) n *= t.shape[d];
    const auto* p = static_cast<const uint8_t*>(t.data) + t.byte_offset;
    out.insert(out.end(), p, p + n * (t.dtype.bits / 8));
  }
  return out;
}

inline double observed(const Observation& obs, const std::string& key) {
  auto v = obs.find(key);
  INFO("observation key " << key);
  REQUIRE(v.has_value());
  return *v;
}

}  // namespace trainkit::testing
