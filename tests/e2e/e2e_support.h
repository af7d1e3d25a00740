// End-to-end support: small manifests on a slice of Fashion-MNIST, and running trainkit on them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.h"
#include "requirements.h"  // TK_REQUIRE_DATA, TK_REQUIRE_PYTHON_TORCH, kFashionMnist

namespace tk_test {

// A manifest training a tiny MLP on 512 examples (8 iterations per epoch at batch 64) for `stop`,
// validating on 256, with the given [[extension]] tables appended.
std::string small_manifest(const std::string& stop, const std::string& extensions, const std::string& extra = "");

// Runs `trainkit ARGS...`.
ProcessResult run_trainkit(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

nlohmann::json read_json(const std::string& path);

// A log without elapsed_time, the one value two otherwise identical runs may differ in.
nlohmann::json without_time(nlohmann::json log);

}  // namespace tk_test
