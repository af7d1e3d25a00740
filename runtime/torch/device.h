// trainkit torch: the device a session trains on, from trainer.device.
//
//   c10::Device d = resolve_device(manifest.trainer);   // "auto" → cuda when this LibTorch has it, else cpu
//
// Note [Tensors cross devices at the edges]
// The model, the batches and the optimizer's state live on the session's device. Everything that leaves
// the session is CPU memory: snapshots and checkpoints hold device-independent tensors (saving copies to
// the CPU, loading copies to the device), so a run saved on one device resumes on another, and the model
// service lends plugins CPU copies of parameters and gradients when the device is not the CPU.
#pragma once

#include <c10/core/Device.h>

#include "manifest/manifest.h"

namespace trainkit {

// ConfigError for a CUDA device this LibTorch or this machine does not have, saying how to build against
// a CUDA LibTorch.
c10::Device resolve_device(const TrainerConfig& trainer);

}  // namespace trainkit
