// Every seed and every past finding of each fuzz target, through the same entry point the fuzzer calls
// (fuzz/targets.h). A finding is fixed when its file passes here; a crash ends the test with the file named.
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "targets.h"

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.is_open());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The seeds, then the findings; at least one seed, so a moved corpus cannot pass by replaying nothing.
void replay(const std::string& target, void (*run)(const uint8_t*, size_t)) {
  const std::vector<std::string> seeds = files_in(std::string(TK_SOURCE_DIR) + "/fuzz/corpus/" + target);
  REQUIRE_FALSE(seeds.empty());
  std::vector<std::string> inputs = seeds;
  for (const std::string& finding : files_in(std::string(TK_FUZZ_REGRESSIONS_DIR) + "/" + target))
    inputs.push_back(finding);
  for (const std::string& input : inputs) {
    INFO(input);
    const std::vector<uint8_t> bytes = read_bytes(input);
    CHECK_NOTHROW(run(bytes.data(), bytes.size()));
  }
}

}  // namespace

TEST_CASE("fuzz regressions: the state archive reader handles every seed and past finding", "[fuzz]") {
  replay("archive_reader", trainkit::fuzz::archive_reader);
}

TEST_CASE("fuzz regressions: the torch-format reader handles every seed and past finding", "[fuzz]") {
  replay("torch_file", trainkit::fuzz::torch_file);
}

TEST_CASE("fuzz regressions: the manifest with --set handles every seed and past finding", "[fuzz]") {
  replay("manifest", trainkit::fuzz::manifest);
}

TEST_CASE("fuzz regressions: the plugin static probe handles every seed and past finding", "[fuzz]") {
  replay("plugin_probe", trainkit::fuzz::plugin_probe);
}
