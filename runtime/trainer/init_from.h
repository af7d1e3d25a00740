// trainkit trainer: fine-tuning — a fresh run (not a resume, whose snapshot already holds the weights)
// starts from the model weights of a file (trainer.init_from / --init-from): a trainkit snapshot or
// checkpoint, or what Python writes (Note [Which files hold weights] in torchfile/weights.h).
//
//   init_model_from(manifest.trainer, session);   // logs what was loaded
#pragma once

#include <string>

#include "manifest/manifest.h"
#include "state/memory_tree.h"
#include "torch/session.h"

namespace trainkit {

// The model weights `path` holds, as a tree whose `model/` scope a session loads: a trainkit snapshot or
// checkpoint (either format), torch.save(model.state_dict()), torch.save({"model": sd, ...}) or a
// TorchScript module. ResumeError when the file is unreadable, damaged, or valid but holds no weights
// (saying what it holds and what was expected).
state::MemoryTree read_weights_file(const std::string& path);

// Loads trainer.init_from into the session, with trainer.init_prefix stripped from the file's names.
// init_strict: every parameter and buffer must be in the file with the same dtype and shape; otherwise what
// fits is copied. ResumeError when the file is unreadable or holds no fitting weights.
void init_model_from(const TrainerConfig& trainer, Session& session);

}  // namespace trainkit
