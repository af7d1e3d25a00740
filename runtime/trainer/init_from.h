// trainkit trainer: fine-tuning — a fresh run (not a resume, whose snapshot already holds the weights)
// starts from the model weights of a snapshot or checkpoint file (trainer.init_from / --init-from).
//
//   init_model_from("best_model_9.tkpt", /*strict=*/true, session);   // logs what was loaded
#pragma once

#include <string>

#include "torch/session.h"

namespace trainkit {

// strict: every parameter and buffer must be in the file with the same dtype and shape; otherwise what
// fits is copied. ResumeError when the file is unreadable or holds no fitting weights.
void init_model_from(const std::string& path, bool strict, Session& session);

}  // namespace trainkit
