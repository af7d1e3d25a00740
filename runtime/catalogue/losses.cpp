#include "catalogue/losses.h"

#include <algorithm>

namespace trainkit::catalogue {

// Each takes the model's raw logits and the integer labels, as PyTorch's functions of the same names do
// (nll after a log_softmax, mse against one-hot labels).
const std::vector<std::string>& loss_names() {
  static const std::vector<std::string> names = {"cross_entropy", "mse", "nll"};
  return names;
}

bool is_loss(const std::string& name) {
  const std::vector<std::string>& names = loss_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace trainkit::catalogue
