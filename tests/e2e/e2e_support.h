// End-to-end support: small manifests on a slice of Fashion-MNIST, and running trainkit on them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.h"

namespace tk_test {

constexpr const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";

bool have_fashion_mnist();

// A manifest training a tiny MLP on 512 examples (8 iterations per epoch at batch 64) for `stop`,
// validating on 256, with the given [[extension]] tables appended.
std::string small_manifest(const std::string& stop, const std::string& extensions, const std::string& extra = "");

// Runs `trainkit ARGS...`.
ProcessResult run_trainkit(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

nlohmann::json read_json(const std::string& path);

// A log without elapsed_time, the one value two otherwise identical runs may differ in.
nlohmann::json without_time(nlohmann::json log);

}  // namespace tk_test

#define TK_REQUIRE_DATA()                                                                   \
  do {                                                                                      \
    if (!tk_test::have_fashion_mnist()) {                                                   \
      WARN("skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"); \
      return;                                                                               \
    }                                                                                       \
  } while (0)
