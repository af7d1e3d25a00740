#include "dist_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "state/archive.h"

namespace tk_test {

std::string dist_manifest(const std::string& stop, const std::string& extensions, int batch, int timeout) {
  std::string m = small_manifest(stop, extensions);
  const std::string from = "batch_size = 64";
  m.replace(m.find(from), from.size(), "batch_size = " + std::to_string(batch));
  return m + "\n[distributed]\ntimeout = " + std::to_string(timeout) + "\n";
}

std::map<std::string, std::string> rank_env(int rank, int world, int port) {
  return {{"RANK", std::to_string(rank)},       {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)}, {"MASTER_ADDR", "127.0.0.1"},
          {"MASTER_PORT", std::to_string(port)}, {"OMP_NUM_THREADS", "1"}};
}

trainkit::state::MemoryTree read_snapshot(const std::string& path) { return trainkit::state::read_archive(path); }

Strings list_dir(const std::string& path) {
  Strings names;
  for (auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

double max_float_difference(const trainkit::state::MemoryTree& a, const trainkit::state::MemoryTree& b,
                            const std::string& prefix) {
  double worst = 0;
  for (auto it = a.leaves.lower_bound(prefix); it != a.leaves.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    const auto* x = std::get_if<trainkit::state::TensorLeaf>(&it->second);
    if (x == nullptr || x->dtype.code != kDLFloat || x->dtype.bits != 32) continue;
    INFO(it->first);
    REQUIRE(b.leaves.count(it->first) == 1);
    const auto& y = std::get<trainkit::state::TensorLeaf>(b.leaves.at(it->first));
    REQUIRE(x->shape == y.shape);
    for (size_t i = 0; i < x->data.size() / 4; ++i) {
      float p, q;
      std::memcpy(&p, x->data.data() + 4 * i, 4);
      std::memcpy(&q, y.data.data() + 4 * i, 4);
      worst = std::max(worst, static_cast<double>(std::fabs(p - q)));
    }
  }
  return worst;
}

int rank_pid(int parent, int rank) {
  const std::string wanted = "RANK=" + std::to_string(rank);
  for (auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat, environ;
    try {
      stat = read_file(e.path().string() + "/stat");
      environ = read_file(e.path().string() + "/environ");
    } catch (...) {
      continue;  // gone, or not ours
    }
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    std::istringstream vars(environ);
    for (std::string var; std::getline(vars, var, '\0');)
      if (var == wanted) return std::stoi(pid);
  }
  return -1;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tk_test
