// trainkit torch: the LibTorch side of a run (data, model, optimizer, loss, one update), behind a header
// that includes no LibTorch, so the rest of the host compiles fast.
//
//   auto session = make_session(manifest);          // reads data, builds model + optimizer, seeds RNGs
//   session->step(observation);                      // one update; reports main/loss, main/accuracy
//   session->evaluate("validation", "validation", observation);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <dlpack/dlpack.h>

#include "data/open.h"
#include "manifest/manifest.h"
#include "state/memory_tree.h"
#include "trigger/observation.h"

namespace trainkit {

namespace state {
class Visitor;
}
class ProcessGroup;

// Which scopes a state visit covers.
struct SessionParts {
  bool model = true;
  bool optimizer = true;
  bool updater = true;
};

// Use as the trainer's handle on everything LibTorch does.
class Session {
 public:
  virtual ~Session() = default;

  // ceil(train examples / (batch_size * world size)): the last partial batch is used.
  virtual int64_t iterations_per_epoch() const = 0;
  virtual int64_t train_size() const = 0;

  // One optimizer update on the next batch (the epoch's order is drawn from the seeded generator when
  // the epoch starts). Reports "main/loss" and "main/accuracy" of this batch into `observation`.
  virtual void step(Observation& observation) = 0;

  // Runs split ("validation" → the manifest's data.validation files) in eval mode without gradients and
  // reports "<prefix>/main/loss" and "<prefix>/main/accuracy", means over every example of the split.
  // Throws ConfigError when the manifest has no such split.
  virtual void evaluate(const std::string& split, const std::string& prefix, Observation& observation) = 0;

  // The optimizer's hyperparameters by name ("lr", "momentum", "weight_decay", "beta1", "beta2", "eps",
  // "alpha", "lr_decay", ...), per parameter group.
  virtual std::string optimizer_name() const = 0;
  virtual size_t param_group_count() const = 0;
  virtual std::optional<double> hyperparameter(size_t group, const std::string& name) const = 0;
  virtual bool set_hyperparameter(size_t group, const std::string& name, double value) = 0;

  // The model's parameters as borrowed CPU DLTensors (valid until the next step or state load). Names are
  // the model's named_parameters() keys ("1.weight" for builtins, the Python names for TorchScript).
  // gradient() is false before the first step. shape/strides point into the live tensors.
  virtual size_t parameter_count() const = 0;
  virtual bool parameter(size_t index, const char** name, DLTensor* out) = 0;
  virtual bool gradient(size_t index, DLTensor* out) = 0;

  // Saves or loads model, optimizer and updater state under the scopes `model`, `optimizer`, `updater`
  // (Note [Session state] in session.cpp lists every key). A session loaded from the state another
  // session saved after k steps continues bit-identically: its next steps report the same main/loss and
  // leave the same parameters and optimizer state as the saving session's next steps.
  // LOAD reads and checks everything before changing anything: on ResumeError (a missing parameter, a
  // dtype or shape that differs, another optimizer, a broken epoch order) the session is as it was.
  virtual void visit(state::Visitor& v) { visit_parts(v, SessionParts{}); }
  // Only the `model` scope (snapshot target = "model"), with the same all-or-nothing load.
  void visit_model(state::Visitor& v) { visit_parts(v, SessionParts{true, false, false}); }
  // Any subset of the three scopes (checkpoint `objects`), with the same all-or-nothing load.
  virtual void visit_parts(state::Visitor& v, const SessionParts& parts) = 0;

  // Fine-tuning start: copies model weights (the `model` scope of a loaded snapshot or checkpoint tree)
  // into the live model. strict: every parameter and buffer must be there with the same dtype and
  // shape (ResumeError otherwise, nothing changed); not strict: what matches is copied, the rest is
  // left as initialised. Returns a one-line account ("loaded 4 of 4 tensors", with what was skipped).
  virtual std::string init_model_from(const state::MemoryTree& tree, bool strict) = 0;

  // Short description for `trainkit validate`: "mlp 784-256-10 (203,530 parameters); sgd lr=0.05 momentum=0.9;
  // 60000 train / 10000 validation examples, batch 64, 938 iterations per epoch".
  virtual std::string describe() const = 0;
};

// Builds the session: sets threads and seeds, reads the data, builds the model and the optimizer.
// Throws ConfigError for bad data paths, model files or optimizer names. `openers.plugin` opens
// [data] format = "plugin" (the CLI wires it to the loaded dataset classes). With a process group the
// session is one rank of a data-parallel run (torch/distributed/data_parallel.h): batch_size is per rank,
// an epoch has ceil(train examples / (batch_size * world size)) batches, gradients and evaluation sums are
// combined over the ranks.
std::unique_ptr<Session> make_session(const Manifest& manifest, data::Openers openers = {}, ProcessGroup* group = nullptr);

}  // namespace trainkit
