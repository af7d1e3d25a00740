// Helpers of the state tests: a tree holding every leaf type, DLTensor views, a capture into staging memory,
// raw file access.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "state/memory_tree.h"
#include "state/staged_tree.h"
#include "state/staging_pool.h"

namespace trainkit::testing {

inline DLDataType dt(uint8_t code, uint8_t bits) { return DLDataType{code, bits, 1}; }
inline DLDataType f32() { return dt(kDLFloat, 32); }
inline DLDataType i64() { return dt(kDLInt, 64); }
inline DLDataType u8() { return dt(kDLUInt, 8); }

// A DLTensor over caller-owned memory; `shape` must outlive it.
inline DLTensor view(void* data, DLDataType dtype, std::vector<int64_t>& shape) {
  DLTensor t{};
  t.data = data;
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(shape.size());
  t.dtype = dtype;
  t.shape = shape.data();
  return t;
}

inline state::TensorLeaf float_tensor(std::vector<int64_t> shape, float start) {
  state::TensorLeaf t;
  t.dtype = f32();
  t.shape = std::move(shape);
  size_t n = 1;
  for (int64_t d : t.shape) n *= static_cast<size_t>(d);
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = start + 0.5f * static_cast<float>(i);
  t.data.resize(n * sizeof(float));
  if (n > 0) std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// Every leaf type, nested scopes, edge values (empty string and bytes, a scalar tensor, an empty tensor).
inline state::MemoryTree sample_tree() {
  state::MemoryTree tree;
  tree.leaves["trainer/iteration"] = int64_t{1200};
  tree.leaves["trainer/epoch"] = int64_t{-3};
  tree.leaves["trainer/elapsed_time"] = 12.5;
  tree.leaves["trainer/stop_trigger/previous_epoch_detail"] = 0.1;
  tree.leaves["trainer/stop_trigger/best_value"] = std::numeric_limits<double>::quiet_NaN();
  tree.leaves["trainer/negative_zero"] = -0.0;
  tree.leaves["trainer/best"] = -std::numeric_limits<double>::infinity();
  tree.leaves["trainer/done"] = true;
  tree.leaves["trainer/started"] = false;
  tree.leaves["meta/manifest"] = std::string("[trainer]\nstop = \"10 epoch\"\n") + std::string("\0\x01\xff", 3);
  tree.leaves["meta/empty"] = std::string();
  tree.leaves["updater/rng"] = std::vector<uint8_t>{0, 1, 2, 255, 254, 0};
  tree.leaves["updater/none"] = std::vector<uint8_t>{};
  tree.leaves["model/main/0.weight"] = float_tensor({3, 4}, -1.0f);
  tree.leaves["model/main/0.bias"] = float_tensor({4}, 2.0f);
  tree.leaves["model/main/scalar"] = float_tensor({}, 7.0f);
  tree.leaves["model/main/empty"] = float_tensor({0, 5}, 0.0f);
  state::TensorLeaf steps;
  steps.dtype = i64();
  steps.shape = {2};
  steps.data.resize(16);
  int64_t values[2] = {-1, 1LL << 40};
  std::memcpy(steps.data.data(), values, 16);
  tree.leaves["optimizer/main/state/0/step"] = steps;
  return tree;
}

// The tree captured into an area of `pool`, as the host captures a snapshot.
inline state::StagedTree capture(const std::shared_ptr<state::StagingPool>& pool, const state::MemoryTree& tree) {
  state::StagedTree staged{pool->lease(), {}};
  state::StagingSaver saver(staged);
  state::replay(tree, saver);
  return staged;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The offset of the first occurrence of `needle` in `hay`; fails the test when there is none.
inline size_t find_bytes(const std::vector<uint8_t>& hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  REQUIRE(it != hay.end());
  return static_cast<size_t>(it - hay.begin());
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Bit-exact comparison: NaN payloads and -0.0 matter for resume.
inline bool same_tree(const state::MemoryTree& a, const state::MemoryTree& b) {
  if (a.leaves.size() != b.leaves.size()) return false;
  for (auto ia = a.leaves.begin(), ib = b.leaves.begin(); ia != a.leaves.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.index() != ib->second.index()) return false;
    if (const double* da = std::get_if<double>(&ia->second)) {
      if (std::memcmp(da, std::get_if<double>(&ib->second), sizeof(double)) != 0) return false;
    } else if (!(ia->second == ib->second)) {
      return false;
    }
  }
  return true;
}

}  // namespace trainkit::testing
