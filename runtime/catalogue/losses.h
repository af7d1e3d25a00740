// trainkit catalogue: the losses a manifest may name in [loss]. The manifest's check
// (runtime/manifest/loss_section.cpp) and the LibTorch side (runtime/torch/session.cpp) both read it.
// Adding a loss: its name in losses.cpp plus its computation in runtime/torch/session.cpp.
//
//   loss_names();   // {"cross_entropy", "mse", "nll"}
#pragma once

#include <string>
#include <vector>

namespace trainkit::catalogue {

const std::vector<std::string>& loss_names();
bool is_loss(const std::string& name);

}  // namespace trainkit::catalogue
