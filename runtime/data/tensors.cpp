#include "data/tensors.h"

#include <variant>

#include "core/error.h"
#include "data/array_source.h"

namespace trainkit::data {

std::unique_ptr<Source> tensors_source(const std::string& path, state::MemoryTree tree) {
  std::vector<Array> arrays;
  for (auto& [key, leaf] : tree.leaves) {
    TK_CHECK(key.find('/') == std::string::npos, ConfigError, path, ": entry \"", key.substr(0, key.find('/')),
             "\" is a nested dict; the tensors format reads a flat dict of tensors ({\"x\": X, \"y\": Y})");
    auto* t = std::get_if<state::TensorLeaf>(&leaf);
    TK_CHECK(t != nullptr, ConfigError, path, ": entry \"", key, "\" is not a tensor (it holds ", state::leaf_type_name(leaf),
             "); the tensors format reads a flat dict of tensors ({\"x\": X, \"y\": Y})");
    TK_CHECK(!t->shape.empty(), ConfigError, path, ": entry \"", key,
             "\" is a 0-d tensor; a field needs one entry per example along its first dimension");
    Field f{key, t->dtype, std::vector<int64_t>(t->shape.begin() + 1, t->shape.end()), {}};
    arrays.push_back(owned_array(std::move(f), std::move(t->data), t->shape.front()));
  }
  TK_CHECK(!arrays.empty(), ConfigError, path, ": holds no tensor");
  return std::make_unique<ArraySource>(path, std::move(arrays));
}

}  // namespace trainkit::data
