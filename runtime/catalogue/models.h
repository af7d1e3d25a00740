// trainkit catalogue: the builtin models a manifest may name and the [model] keys each reads, with their
// bounds. The manifest's checks (runtime/manifest/model_section.cpp) and the LibTorch side
// (runtime/torch/model/model.cpp) both read it. Adding a builtin model: its entry in models.cpp plus its
// construction in runtime/torch/model/model.cpp.
//
//   find_builtin_model("cnn")->keys;      // channels, dropout
//   model_key("dropout").range.rule();    // "must be in [0, 1)"
#pragma once

#include <string>
#include <vector>

#include "catalogue/range.h"

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

// Every key some builtin reads.
const std::vector<ModelKey>& model_keys();
// The key of that name; a name not in the catalogue is a bug in trainkit.
const ModelKey& model_key(const std::string& name);

}  // namespace trainkit::catalogue
