#include "torch/session.h"

#include <dlfcn.h>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/error.h"
#include "torch/distributed/data_parallel.h"
#include "torch/dlpack_view.h"
#include "torch/loss.h"
#include "torch/model/model.h"
#include "torch/optimizer/optimizer.h"
#include "torch/place.h"
#include "torch/scopes.h"
#include "torch/tensor_state.h"
#include "torch/train_data.h"

namespace trainkit {
namespace {

// Debian's LibTorch calls BLAS through libblas.so.3; with OpenBLAS behind it, at::set_num_threads does
// not reach OpenBLAS's own pool, so `threads = 1` still ran GEMMs on every core (measured by
// bench/loop_overhead_bench). OpenBLAS exports its setter; look it up without linking OpenBLAS.
void limit_blas_threads(int threads) {
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}


// Builtin models always output at least this many logits: the MNIST family has ten classes, and a
// training subset that happens to lack the last classes must not shrink the network.
constexpr int64_t kMinClasses = 10;
// Evaluation batches need no gradients, so they can be larger than training ones for speed.
constexpr int64_t kEvalBatch = 1000;

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

class TorchSession final : public Session {
 public:
  TorchSession(const Manifest& manifest, ProcessGroup* group);

  int64_t iterations_per_epoch() const override {
    const int64_t global_batch = batch_size_ * (parallel_ ? parallel_->shard().count : 1);
    return (data_.train_size() + global_batch - 1) / global_batch;
  }
  int64_t train_size() const override { return data_.train_size(); }
  void step(Observation& observation) override;
  void evaluate(const std::string& split, const std::string& prefix, Observation& observation) override;

  std::string optimizer_name() const override { return optimizer_->name(); }
  size_t param_group_count() const override { return optimizer_->group_count(); }
  std::optional<double> hyperparameter(size_t group, const std::string& name) const override {
    return optimizer_->get(group, name);
  }
  bool set_hyperparameter(size_t group, const std::string& name, double value) override {
    return optimizer_->set(group, name, value);
  }

  size_t parameter_count() const override { return parameters_.size(); }
  bool parameter(size_t index, const char** name, DLTensor* out) override;
  bool gradient(size_t index, DLTensor* out) override;

  void visit_parts(state::Visitor& v, const SessionParts& parts) override;
  std::string init_model_from(const state::MemoryTree& tree, bool strict) override;

  std::string describe() const override;

 private:
  // A model tensor read from a snapshot and checked, waiting to be copied into the live one.
  struct StagedTensor {
    at::Tensor live;
    at::Tensor loaded;
  };
  // The updater's part of a snapshot, read and checked; empty members were absent.
  struct StagedUpdater {
    std::optional<dataset::EpochOrder> order;
    at::Tensor default_generator;
  };

  void save_model(state::Visitor& v) const;
  std::vector<StagedTensor> read_model(state::Visitor& v) const;
  static void apply_model(const std::vector<StagedTensor>& staged);
  void save_updater(state::Visitor& v) const;
  StagedUpdater read_updater(state::Visitor& v) const;
  void apply_updater(StagedUpdater staged);

  int64_t batch_size_;
  Loss loss_;
  TrainData data_;
  std::unique_ptr<model::Model> model_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> parameters_;
  std::unique_ptr<optimizer::Optimizer> optimizer_;
  // Note [Each session owns its default-generator state] (scopes.h): with the model, the optimizer and the
  // data's epoch order, everything a bit-exact resume restores.
  at::Tensor default_generator_state_;
  std::unique_ptr<DataParallel> parallel_;  // one rank of a data-parallel run; null when alone
};

// The data is read before the threads are set: reading is single-threaded either way, and a bad data path
// is reported before anything else is built.
TorchSession::TorchSession(const Manifest& manifest, ProcessGroup* group)
    : batch_size_(manifest.data.batch_size),
      loss_(manifest.loss),
      data_(manifest.data, static_cast<uint64_t>(manifest.trainer.seed)) {
  TK_CHECK(manifest.data.batch_size > 0, ConfigError, place(manifest.data.pos), "data.batch_size must be > 0, got ",
           manifest.data.batch_size);
  TK_CHECK(manifest.trainer.threads >= 0, ConfigError, place(manifest.trainer.pos),
           "trainer.threads must be >= 0 (0 = LibTorch's default), got ", manifest.trainer.threads);
  if (manifest.trainer.threads > 0) {
    at::set_num_threads(static_cast<int>(manifest.trainer.threads));
    limit_blas_threads(static_cast<int>(manifest.trainer.threads));
  }
  const auto seed = static_cast<uint64_t>(manifest.trainer.seed);
  // A fresh generator seeded like torch::manual_seed(seed) would seed the default one.
  default_generator_state_ = at::detail::createCPUGenerator(seed).get_state();
  {
    DefaultGeneratorScope rng(default_generator_state_);
    const std::vector<int64_t> image = data_.example_shape("image");  // [channels, rows, cols]
    model_ = model::make_model(manifest.model, model::ImageShape{image.at(0), image.at(1), image.at(2)},
                               std::max(kMinClasses, data_.label_classes()));
  }
  for (const auto& kv : model_->named_parameters()) {
    names_.push_back(kv.first);
    parameters_.push_back(kv.second);
  }
  optimizer_ = std::make_unique<optimizer::Optimizer>(manifest.optimizer, parameters_);
  if (group != nullptr) {  // distributed: torch/distributed/data_parallel.h
    std::vector<at::Tensor> buffers;
    for (const auto& kv : model_->named_buffers()) buffers.push_back(kv.second);
    parallel_ = std::make_unique<DataParallel>(*group, parameters_, std::move(buffers));
    data_.set_shard(parallel_->shard());
  }
}

void TorchSession::step(Observation& observation) {
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    const Batch batch = data_.next_train_batch(batch_size_);
    const at::Tensor& labels = batch.at("label");

    // Note [Gradients start from nothing each step]
    // Gradients are reset to undefined (PyTorch's zero_grad(set_to_none=True)) rather than zeroed, so
    // every backward creates them afresh: a session resumed from a snapshot, which has no gradients
    // yet, then computes its first step exactly like the saving session's next step. Zeroed gradients
    // would be accumulated into (0 + g), which differs from g in the sign of zero.
    for (at::Tensor& p : parameters_) p.mutable_grad().reset();
    if (parallel_) parallel_->before_forward();
    const at::Tensor logits = model_->forward(batch.at("image"));
    const at::Tensor loss = loss_(logits, labels);
    loss.backward();
    if (parallel_) parallel_->after_backward();
    optimizer_->impl().step();

    observation.report("main/loss", loss.item<double>());
    observation.report("main/accuracy", static_cast<double>(count_correct(logits, labels)) / batch.size);
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("training step failed: ", e.what_without_backtrace()));
  }
}

void TorchSession::evaluate(const std::string& split, const std::string& prefix, Observation& observation) {
  const std::optional<int64_t> n = data_.split_size(split);
  double loss_sum = 0;
  int64_t correct = 0;
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    if (parallel_) parallel_->before_evaluate();
    EvalModeScope eval(*model_);
    torch::NoGradGuard no_grad;
    data_.for_each_batch(split, std::max(batch_size_, kEvalBatch), [&](const Batch& batch) {
      const at::Tensor& labels = batch.at("label");
      const at::Tensor logits = model_->forward(batch.at("image"));
      // Batch means weighted by batch size: the mean over every example, whatever the chunking.
      loss_sum += loss_(logits, labels).item<double>() * static_cast<double>(batch.size);
      correct += count_correct(logits, labels);
    });
    if (parallel_) {  // every rank evaluated its part: the sums over all of them are the split's
      std::vector<double> sums{loss_sum, static_cast<double>(correct)};
      parallel_->sum(sums);
      loss_sum = sums[0];
      correct = static_cast<int64_t>(std::llround(sums[1]));
    }
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("evaluating \"", split, "\" failed: ", e.what_without_backtrace()));
  }
  const std::string head = prefix.empty() ? "" : prefix + "/";
  observation.report(head + "main/loss", loss_sum / static_cast<double>(*n));
  observation.report(head + "main/accuracy", static_cast<double>(correct) / static_cast<double>(*n));
}

bool TorchSession::parameter(size_t index, const char** name, DLTensor* out) {
  if (index >= parameters_.size()) return false;
  if (out && !fill_dltensor(parameters_[index], out)) return false;
  if (name) *name = names_[index].c_str();
  return true;
}

bool TorchSession::gradient(size_t index, DLTensor* out) {
  if (index >= parameters_.size()) return false;
  const at::Tensor& grad = parameters_[index].grad();
  if (!grad.defined()) return false;  // before the first step
  return out == nullptr || fill_dltensor(grad, out);
}

// Note [Session state]
// What visit() saves, besides the optimizer's keys (Note [Optimizer state in a snapshot], optimizer.h):
//   model/<name>                 every parameter and buffer under its named_parameters() / named_buffers()
//                                name: a state_dict, so torch.load(f)["model"] loads into the Python twin
//   updater/epoch, position      Note [Epoch order is explicit state]
//   updater/order                int64 [train examples], this epoch's permutation (absent before batch 1)
//   updater/order_generator      bytes: the epoch order's generator state
//   updater/default_generator    bytes: Note [Each session owns its default-generator state]
// Gradients are not state (Note [Gradients start from nothing each step]), nor is anything the manifest
// sets (batch size, threads, loss).

namespace {

// Load errors of LibTorch, or of a visitor that finds another type under a key, are snapshot errors.
template <class Body>
void with_resume_errors(Body&& body) {
  try {
    body();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw ResumeError(str_cat("cannot load the training state: ", e.what_without_backtrace()));
  } catch (const std::runtime_error& e) {
    throw ResumeError(str_cat("cannot load the training state: ", e.what()));
  }
}

template <class Body>
void with_save_errors(Body&& body) {
  try {
    body();
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("cannot save the training state: ", e.what_without_backtrace()));
  }
}

}  // namespace

void TorchSession::save_model(state::Visitor& v) const {
  dl::Scope scope(v, "model");
  for (size_t i = 0; i < parameters_.size(); ++i) dl::save_tensor(v, names_[i], parameters_[i]);
  for (const auto& [name, buffer] : model_->named_buffers()) dl::save_tensor(v, name, buffer);
}

std::vector<TorchSession::StagedTensor> TorchSession::read_model(state::Visitor& v) const {
  std::vector<StagedTensor> staged;
  dl::Scope scope(v, "model");
  auto read = [&](const std::string& name, const at::Tensor& live, const char* kind) {
    const std::string what = str_cat("model ", kind, " \"", name, "\"");
    at::Tensor loaded = dl::load_tensor(v, name, live.scalar_type(), live.sizes(), what);
    TK_CHECK(loaded.defined(), ResumeError, "the snapshot has no ", what);
    staged.push_back({live, loaded});
  };
  for (size_t i = 0; i < parameters_.size(); ++i) read(names_[i], parameters_[i], "parameter");
  for (const auto& [name, buffer] : model_->named_buffers()) read(name, buffer, "buffer");
  return staged;
}

void TorchSession::apply_model(const std::vector<StagedTensor>& staged) {
  torch::NoGradGuard no_grad;
  for (const StagedTensor& t : staged) t.live.copy_(t.loaded);
}

void TorchSession::save_updater(state::Visitor& v) const {
  dl::Scope scope(v, "updater");
  data_.save_order(v);
  const at::Tensor& g = default_generator_state_;
  std::vector<uint8_t> bytes(g.data_ptr<uint8_t>(), g.data_ptr<uint8_t>() + g.numel());
  v.bytes("default_generator", bytes);
}

TorchSession::StagedUpdater TorchSession::read_updater(state::Visitor& v) const {
  StagedUpdater staged;
  dl::Scope scope(v, "updater");
  staged.order = data_.read_order(v);
  std::vector<uint8_t> bytes;
  if (v.bytes("default_generator", bytes)) {
    at::Tensor gen_state = at::empty({static_cast<int64_t>(bytes.size())}, at::kByte);
    if (!bytes.empty()) std::memcpy(gen_state.data_ptr<uint8_t>(), bytes.data(), bytes.size());
    try {
      at::detail::createCPUGenerator(0).set_state(gen_state);  // checks size and contents
    } catch (const c10::Error& e) {
      throw ResumeError(str_cat("updater default_generator: bad generator state (", e.what_without_backtrace(), ")"));
    }
    staged.default_generator = gen_state;
  }
  return staged;
}

void TorchSession::apply_updater(StagedUpdater staged) {
  data_.apply_order(std::move(staged.order));
  if (staged.default_generator.defined()) default_generator_state_ = staged.default_generator;
}

void TorchSession::visit_parts(state::Visitor& v, const SessionParts& parts) {
  if (v.saving()) {
    with_save_errors([&] {
      if (parts.model) save_model(v);
      if (parts.optimizer) {
        dl::Scope scope(v, "optimizer");
        optimizer_->save_state(v);
      }
      if (parts.updater) save_updater(v);
    });
    return;
  }
  with_resume_errors([&] {
    // Read and check everything, then change the session: a refused snapshot leaves it untouched.
    std::vector<StagedTensor> model;
    if (parts.model) model = read_model(v);
    optimizer::LoadedState optimizer;
    if (parts.optimizer) {
      dl::Scope scope(v, "optimizer");
      optimizer = optimizer_->read_state(v);
    }
    StagedUpdater updater;
    if (parts.updater) updater = read_updater(v);
    if (parts.model) apply_model(model);
    if (parts.optimizer) optimizer_->apply_state(std::move(optimizer));
    if (parts.updater) apply_updater(std::move(updater));
  });
}

std::string TorchSession::init_model_from(const state::MemoryTree& tree, bool strict) {
  if (strict) {
    state::MemoryLoader loader(tree);
    with_resume_errors([&] { apply_model(read_model(loader)); });
    return str_cat("loaded all ", parameters_.size() + model_->named_buffers().size(), " model tensors");
  }
  // Not strict: keep only the saved tensors whose name, dtype and shape fit, then load those.
  std::vector<StagedTensor> staged;
  std::vector<std::string> skipped;
  state::MemoryLoader loader(tree);
  auto consider = [&](const std::string& name, const at::Tensor& live) {
    DLDataType dtype{};
    std::vector<int64_t> shape;
    bool present = false;
    loader.scope("model", [&] { present = loader.tensor_info(name, dtype, shape); });
    auto expected = dl::dtype_of(live.scalar_type());
    if (!present || !expected || !dl::same(dtype, *expected) || shape != live.sizes().vec()) {
      skipped.push_back(name);
      return;
    }
    loader.scope("model", [&] {
      staged.push_back({live, dl::load_tensor(loader, name, live.scalar_type(), live.sizes(), "model " + name)});
    });
  };
  with_resume_errors([&] {
    for (size_t i = 0; i < parameters_.size(); ++i) consider(names_[i], parameters_[i]);
    for (const auto& [name, buffer] : model_->named_buffers()) consider(name, buffer);
    apply_model(staged);
  });
  std::string account = str_cat("loaded ", staged.size(), " of ", staged.size() + skipped.size(), " model tensors");
  if (!skipped.empty()) {
    account += "; kept as initialised:";
    for (const auto& n : skipped) account += " " + n;
  }
  return account;
}

std::string TorchSession::describe() const {
  int64_t count = 0;
  for (const at::Tensor& p : parameters_) count += p.numel();
  std::string text = str_cat(model_->describe(), " (", with_commas(count), " parameters); ", optimizer_->describe());
  if (loss_.name() != "cross_entropy") text += str_cat(", ", loss_.name(), " loss");
  text += str_cat("; ", data_.describe(), ", batch ", batch_size_);
  if (parallel_) text += str_cat(" per rank x ", parallel_->shard().count, " ranks");
  text += str_cat(", ", iterations_per_epoch(), " iterations per epoch");
  return text;
}

}  // namespace

std::unique_ptr<Session> make_session(const Manifest& manifest, ProcessGroup* group) {
  return std::make_unique<TorchSession>(manifest, group);
}

}  // namespace trainkit
