// trainkit torch: the weights of a TorchScript file (a model scripted in Python and saved with
// torch.jit.save) as a state tree, for --init-from and `trainkit inspect`. Torch-free header.
//
//   state::MemoryTree tree = read_script_weights("model.pt");   // "model/fc.weight", "model/bn.running_mean"
#pragma once

#include <string>

#include "state/memory_tree.h"

namespace trainkit {

// Every parameter and buffer of the module under model/<its Python name>, as CPU tensors. Throws
// ResumeError "<path>: cannot load as a TorchScript module: <reason>" for a file LibTorch cannot load.
state::MemoryTree read_script_weights(const std::string& path);

}  // namespace trainkit
