#include "catalogue/models.h"

#include <limits>

#include "core/error.h"

namespace trainkit::catalogue {

namespace {

// One layer's width: (0, 2^24]. A wider layer cannot fit in memory whatever feeds it; builtin_parameter_count
// bounds what the layers add up to.
const Range kWidth{0, true, 16777216, false};

// a * b + c, saturated at INT64_MAX (every argument >= 0).
int64_t mul_add(int64_t a, int64_t b, int64_t c) {
  int64_t product = 0, sum = 0;
  if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(product, c, &sum))
    return std::numeric_limits<int64_t>::max();
  return sum;
}

int64_t add(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<int64_t>::max() : sum;
}

}  // namespace

int64_t builtin_parameter_count(const ModelConfig& config, int64_t channels, int64_t rows, int64_t cols,
                                int64_t classes) {
  int64_t count = 0;
  if (config.builtin == "mlp") {  // Linear layers: weight in x out, bias out
    int64_t width = mul_add(mul_add(channels, rows, 0), cols, 0);
    for (int64_t hidden : config.hidden) {
      count = add(count, mul_add(width, hidden, hidden));
      width = hidden;
    }
    return add(count, mul_add(width, classes, classes));
  }
  if (config.builtin != "cnn") return 0;  // no builtin of that name: model.cpp refuses it by name
  for (int64_t out : config.channels) {  // 3x3 convolutions (weight in x out x 9, bias out), each pooled by 2
    if (rows < 2 || cols < 2) return 0;
    count = add(count, mul_add(mul_add(channels, out, 0), 9, out));
    channels = out;
    rows /= 2;
    cols /= 2;
  }
  return add(count, mul_add(mul_add(mul_add(channels, rows, 0), cols, 0), classes, classes));
}

const std::vector<ModelKey>& model_keys() {
  static const std::vector<ModelKey> table = {
      {"hidden", kWidth, ""},                                    // mlp hidden widths
      {"channels", kWidth, "must list at least one conv layer"},  // cnn conv channels
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
