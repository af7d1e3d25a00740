#include "trainer/init_from.h"

#include "core/error.h"
#include "state/archive.h"
#include "torch/script_weights.h"
#include "torchfile/torch_format.h"
#include "torchfile/weights.h"
#include "trainer/host_services.h"
#include "trainer/snapshot_io.h"

namespace trainkit {
namespace {

constexpr const char* kModelScope = "model/";

bool has_model_weights(const state::MemoryTree& tree) {
  auto first = tree.leaves.lower_bound(kModelScope);
  return first != tree.leaves.end() && first->first.rfind(kModelScope, 0) == 0;
}

// model/<prefix><name> → model/<name>; names without the prefix stay as they are.
state::MemoryTree strip_prefix(const state::MemoryTree& tree, const std::string& prefix) {
  if (prefix.empty()) return tree;
  const std::string with = kModelScope + prefix;
  state::MemoryTree out;
  for (const auto& [key, leaf] : tree.leaves)
    out.leaves[key.rfind(with, 0) == 0 ? kModelScope + key.substr(with.size()) : key] = leaf;
  return out;
}

// Names that all start with "module." were saved from a DistributedDataParallel (or DataParallel) wrapper.
std::string prefix_hint(const state::MemoryTree& tree, const std::string& prefix) {
  const std::string ddp = std::string(kModelScope) + "module.";
  if (!prefix.empty()) return "";
  for (auto it = tree.leaves.lower_bound(kModelScope); it != tree.leaves.end() && it->first.rfind(kModelScope, 0) == 0; ++it)
    if (it->first.rfind(ddp, 0) != 0) return "";
  return "; every name in the file starts with \"module.\" (saved from DistributedDataParallel): "
         "trainer.init_prefix = \"module.\" strips it";
}

}  // namespace

// A torch file is what Python wrote or a trainkit torch snapshot (its 'model' entry); LibTorch reads a
// TorchScript module's weights (Note [Which files hold weights] in torchfile/weights.h).
state::MemoryTree read_weights_file(const std::string& path) {
  if (!state::looks_like_trainkit_archive(path) && torchfile::looks_like_torch_file(path)) {
    torchfile::WeightsFile weights = torchfile::read_weights_file(path);
    if (weights.kind == torchfile::WeightsFile::Kind::torchscript) return read_script_weights(path);
    return std::move(weights.tree);
  }
  state::MemoryTree tree = read_snapshot_file(path);
  TK_CHECK(has_model_weights(tree), ResumeError, path, ": it holds no model weights");
  return tree;
}

void init_model_from(const TrainerConfig& trainer, Session& session) {
  const std::string& path = trainer.init_from;
  state::MemoryTree tree;
  try {
    tree = strip_prefix(read_weights_file(path), trainer.init_prefix);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what()));
  }
  std::string account;
  try {
    account = session.init_model_from(tree, trainer.init_strict);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what(), prefix_hint(tree, trainer.init_prefix),
                              trainer.init_strict ? " (trainer.init_strict = false loads what fits)" : ""));
  }
  host_log(TK_LOG_INFO, "", str_cat("model initialised from ", path, ": ", account));
}

}  // namespace trainkit
