// trainkit torchfile: model weights from the files Python users write, read without LibTorch, for
// `--init-from` and `trainkit inspect`.
//
//   WeightsFile w = read_weights_file("sd.pt");   // ResumeError: damaged, or valid but not weights
//   if (w.kind == WeightsFile::Kind::torchscript) ...   // load it with LibTorch (torch::jit::load)
//   session.init_model_from(w.tree, strict);            // "model/<name>" -> tensor, as in a snapshot
//
//   TorchFile file = TorchFile::open(path);
//   WeightsLocation where = locate_weights(file.zip());  // what the file holds as weights, or why none
//
// Note [Which files hold weights]
// A state_dict is a dict (an OrderedDict from module.state_dict(), or a plain dict) of str keys and
// tensor values. A file holds weights when its root is a state_dict (torch.save(model.state_dict())),
// or a dict whose 'model' entry is one (torch.save({"model": sd, "epoch": 3}); trainkit's own torch
// snapshots and checkpoints are such dicts), or when it is a TorchScript module (torch.jit.save), whose
// parameters only LibTorch can read. Anything else is a valid file that holds no weights: the message
// says what it holds and what was expected, and never calls it damaged.
#pragma once

#include <string>

#include "state/memory_tree.h"
#include "torchfile/torch_zip.h"

namespace trainkit::torchfile {

// Where a file's weights are (Note [Which files hold weights]).
struct WeightsLocation {
  enum class Kind { none, state_dict, torchscript };
  Kind kind = Kind::none;
  const Value* state_dict = nullptr;  // kind state_dict: the dict of tensors, inside the TorchZip
  std::string description;  // "a state_dict of 12 tensors", "the 'model' entry, a state_dict of 12 tensors",
                            // "a TorchScript module"; kind none: "a dict with keys epoch, net; expected ..."
};
WeightsLocation locate_weights(const TorchZip& zip);

struct WeightsFile {
  enum class Kind { state_dict, torchscript };
  Kind kind = Kind::state_dict;
  std::string description;  // WeightsLocation::description
  state::MemoryTree tree;   // state_dict: "model/<name>" -> tensor leaf (the snapshot layout)
};

// Throws ResumeError "<path>: cannot read as a torch file: <reason>" for a file that is not a sound torch
// file, "<path> holds <what>; expected ..." for a sound file without weights.
WeightsFile read_weights_file(const std::string& path);

}  // namespace trainkit::torchfile
