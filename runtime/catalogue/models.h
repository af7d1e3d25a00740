// trainkit catalogue: the builtin models a manifest may name and the [model] keys each reads, with their
// bounds. The manifest's checks (runtime/manifest/model_section.cpp) and the LibTorch side
// (runtime/torch/model/model.cpp) both read it. Adding a builtin model: its entry in models.cpp plus its
// construction in runtime/torch/model/model.cpp.
//
//   find_builtin_model("cnn")->keys;      // channels, dropout
//   model_key("dropout").range.rule();    // "must be in [0, 1)"
//   builtin_parameter_count(config, 1, 28, 28, 10);   // mlp 784-256-10: 203,530
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalogue/range.h"
#include "manifest/manifest.h"

namespace trainkit::catalogue {

// One shape key of the [model] table: a number, or a list of numbers bounded item by item.
struct ModelKey {
  std::string name;        // "hidden"
  Range range;             // of the number, or of each item of a list
  std::string when_empty;  // a list that needs an item: what an empty one is told; "" = may be empty
};

struct BuiltinModel {
  std::string name;
  std::vector<const ModelKey*> keys;  // the keys its construction reads
};

const std::vector<BuiltinModel>& builtin_models();
std::vector<std::string> builtin_model_names();
const BuiltinModel* find_builtin_model(const std::string& name);  // nullptr for an unknown name

// The parameters the builtin `config.builtin` has for images of channels x rows x cols and `classes`
// logits, counted as runtime/torch/model/model.cpp builds it and saturated at INT64_MAX, so a model too
// large for the machine is refused before anything is allocated. 0 for a cnn whose pools leave no pixel
// and for a name that is no builtin (model.cpp refuses both with its own message).
int64_t builtin_parameter_count(const ModelConfig& config, int64_t channels, int64_t rows, int64_t cols,
                                int64_t classes);

// Every key some builtin reads.
const std::vector<ModelKey>& model_keys();
// The key of that name; a name not in the catalogue is a bug in trainkit.
const ModelKey& model_key(const std::string& name);

}  // namespace trainkit::catalogue
