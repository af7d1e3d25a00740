#include "torch/script_weights.h"

#include <torch/script.h>

#include "core/error.h"
#include "torch/tensor_state.h"

namespace trainkit {

state::MemoryTree read_script_weights(const std::string& path) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw ResumeError(str_cat(path, ": cannot load as a TorchScript module: ", e.what_without_backtrace()));
  }
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  dl::Scope scope(saver, "model");
  for (const auto& item : module.named_parameters(/*recurse=*/true)) dl::save_tensor(saver, item.name, item.value);
  for (const auto& item : module.named_buffers(/*recurse=*/true)) dl::save_tensor(saver, item.name, item.value);
  return tree;
}

}  // namespace trainkit
