#include "catalogue/models.h"

#include "core/error.h"

namespace trainkit::catalogue {

const std::vector<ModelKey>& model_keys() {
  static const std::vector<ModelKey> table = {
      {"hidden", Range::above(0), ""},                                    // mlp hidden widths
      {"channels", Range::above(0), "must list at least one conv layer"},  // cnn conv channels
      {"dropout", Range::from_below(0, 1), ""},
  };
  return table;
}

const std::vector<BuiltinModel>& builtin_models() {
  static const std::vector<BuiltinModel> table = {
      {"mlp", {&model_key("hidden"), &model_key("dropout")}},
      {"cnn", {&model_key("channels"), &model_key("dropout")}},
  };
  return table;
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> names;
  for (const BuiltinModel& model : builtin_models()) names.push_back(model.name);
  return names;
}

const BuiltinModel* find_builtin_model(const std::string& name) {
  for (const BuiltinModel& model : builtin_models())
    if (model.name == name) return &model;
  return nullptr;
}

const ModelKey& model_key(const std::string& name) {
  for (const ModelKey& key : model_keys())
    if (key.name == name) return key;
  TK_INTERNAL_ASSERT(false);
}

}  // namespace trainkit::catalogue
