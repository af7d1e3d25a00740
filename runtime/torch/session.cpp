#include "torch/session.h"

#include <dlfcn.h>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include "catalogue/losses.h"
#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "torch/dataset/epoch_order.h"
#include "torch/dataset/idx.h"
#include "torch/model/model.h"
#include "torch/optimizer/optimizer.h"
#include "torch/place.h"
#include "torch/tensor_state.h"

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

// Note [Each session owns its default-generator state]
// Dropout, and any randomness inside a TorchScript model, draws from LibTorch's process-wide default CPU
// generator, and the builtin models initialise from it. The session keeps its own copy of that
// generator's state and swaps it in for the duration of each call that may draw from it. So two
// sessions in one process (tests, a future second model) never perturb each other, and the state is an
// explicit member that a snapshot can save and restore next to the epoch order's generator.
class DefaultGeneratorScope {
 public:
  explicit DefaultGeneratorScope(at::Tensor& state) : state_(state), gen_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    outside_ = gen_.get_state();
    gen_.set_state(state_);
  }
  ~DefaultGeneratorScope() {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    state_ = gen_.get_state();
    gen_.set_state(outside_);
  }
  DefaultGeneratorScope(const DefaultGeneratorScope&) = delete;
  DefaultGeneratorScope& operator=(const DefaultGeneratorScope&) = delete;

 private:
  at::Tensor& state_;
  at::Generator gen_;
  at::Tensor outside_;
};

// Evaluation switches dropout and batch norm to inference; training resumes in train mode even when
// the evaluation throws.
class EvalModeScope {
 public:
  explicit EvalModeScope(model::Model& model) : model_(model) { model_.set_training(false); }
  ~EvalModeScope() { model_.set_training(true); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  model::Model& model_;
};

enum class LossKind { kCrossEntropy, kNll, kMse };

// catalogue/losses.h names the losses; a name there without a case here is an internal assert (and fails
// tests/unit/catalogue).
LossKind parse_loss(const LossConfig& config) {
  const std::vector<std::string>& names = catalogue::loss_names();
  TK_CHECK(catalogue::is_loss(config.name), ConfigError, place(config.pos), "loss.name \"", config.name,
           "\" is not one of ", name_list(names), did_you_mean(config.name, names));
  if (config.name == "cross_entropy") return LossKind::kCrossEntropy;
  if (config.name == "nll") return LossKind::kNll;
  TK_INTERNAL_ASSERT(config.name == "mse");
  return LossKind::kMse;
}

// The mean over the batch; logits are the model's raw outputs in every case.
at::Tensor compute_loss(LossKind kind, const at::Tensor& logits, const at::Tensor& labels) {
  namespace F = torch::nn::functional;
  switch (kind) {
    case LossKind::kCrossEntropy:
      return F::cross_entropy(logits, labels);
    case LossKind::kNll:
      return F::nll_loss(torch::log_softmax(logits, 1), labels);
    case LossKind::kMse:
      return F::mse_loss(logits, F::one_hot(labels, logits.size(1)).to(logits.scalar_type()));
  }
  TK_INTERNAL_ASSERT(false);
}

int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels) {
  return logits.detach().argmax(1).eq(labels).sum().item<int64_t>();
}

// One split in memory. Images stay uint8 (a quarter of float's 188 MB for Fashion-MNIST's training set)
// and become float [B, 1, H, W] in [0, 1] batch by batch.
struct Split {
  at::Tensor images;  // uint8 [N, 1, rows, cols]
  at::Tensor labels;  // int64 [N]
  int64_t size() const { return labels.size(0); }
};

Split load_split(const DataConfig& data, const std::string& stem, int64_t limit) {
  dataset::IdxSplit raw = dataset::load_idx_split(data.root, stem, limit);
  Split split;
  split.images = at::from_blob(raw.images.data(), {raw.count, 1, raw.rows, raw.cols}, at::kByte).clone();
  split.labels = at::from_blob(raw.labels.data(), {raw.count}, at::kByte).to(at::kLong);
  return split;
}

at::Tensor to_float(const at::Tensor& images) { return images.to(at::kFloat).div_(255); }

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

bool fill_dltensor(const at::Tensor& t, DLTensor* out) {
  DLDataType dtype{};
  switch (t.scalar_type()) {
    case at::kFloat: dtype = {kDLFloat, 32, 1}; break;
    case at::kDouble: dtype = {kDLFloat, 64, 1}; break;
    case at::kHalf: dtype = {kDLFloat, 16, 1}; break;
    case at::kBFloat16: dtype = {kDLBfloat, 16, 1}; break;
    default: return false;
  }
  // shape and strides point into the TensorImpl, which the model (parameters) or the parameter's
  // autograd slot (gradients) keeps alive; strides are given so a non-contiguous tensor is still
  // described truthfully rather than copied (a copy would not see the optimizer's updates).
  out->data = t.data_ptr();
  out->device = {kDLCPU, 0};
  out->ndim = static_cast<int32_t>(t.dim());
  out->dtype = dtype;
  out->shape = const_cast<int64_t*>(t.sizes().data());
  out->strides = const_cast<int64_t*>(t.strides().data());
  out->byte_offset = 0;
  return true;
}

class TorchSession final : public Session {
 public:
  explicit TorchSession(const Manifest& manifest);

  int64_t iterations_per_epoch() const override { return (train_.size() + batch_size_ - 1) / batch_size_; }
  int64_t train_size() const override { return train_.size(); }
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

  const Split& split_named(const std::string& split) const;
  void save_model(state::Visitor& v) const;
  std::vector<StagedTensor> read_model(state::Visitor& v) const;
  static void apply_model(const std::vector<StagedTensor>& staged);
  void save_updater(state::Visitor& v) const;
  StagedUpdater read_updater(state::Visitor& v) const;
  void apply_updater(StagedUpdater staged);

  int64_t batch_size_;
  LossKind loss_;
  Split train_;
  std::optional<Split> validation_;  // empty when data.validation is ""
  std::unique_ptr<model::Model> model_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> parameters_;
  std::unique_ptr<optimizer::Optimizer> optimizer_;
  // Note [Epoch order is explicit state] and Note [Each session owns its default-generator state]:
  // together with the model and optimizer, these two are everything a bit-exact resume restores.
  std::optional<dataset::EpochOrder> order_;
  at::Tensor default_generator_state_;
};

TorchSession::TorchSession(const Manifest& manifest)
    : batch_size_(manifest.data.batch_size), loss_(parse_loss(manifest.loss)) {
  const DataConfig& data = manifest.data;
  const std::string at = place(data.pos);
  TK_CHECK(data.format == "idx", ConfigError, at, "data.format \"", data.format, "\" is not supported (only \"idx\")");
  TK_CHECK(data.batch_size > 0, ConfigError, at, "data.batch_size must be > 0, got ", data.batch_size);
  TK_CHECK(data.train_limit >= 0 && data.validation_limit >= 0, ConfigError, at,
           "data.train_limit and data.validation_limit must be >= 0 (0 = all)");
  TK_CHECK(manifest.trainer.threads >= 0, ConfigError, place(manifest.trainer.pos),
           "trainer.threads must be >= 0 (0 = LibTorch's default), got ", manifest.trainer.threads);
  if (manifest.trainer.threads > 0) {
    at::set_num_threads(static_cast<int>(manifest.trainer.threads));
    limit_blas_threads(static_cast<int>(manifest.trainer.threads));
  }

  train_ = load_split(data, data.train, data.train_limit);
  int64_t classes = std::max(kMinClasses, train_.labels.max().item<int64_t>() + 1);
  if (!data.validation.empty()) {
    validation_ = load_split(data, data.validation, data.validation_limit);
    TK_CHECK(validation_->images.sizes().slice(1).equals(train_.images.sizes().slice(1)), ConfigError, at,
             "validation images are ", validation_->images.sizes().slice(2), " but training images are ",
             train_.images.sizes().slice(2));
    classes = std::max(classes, validation_->labels.max().item<int64_t>() + 1);
  }

  const auto seed = static_cast<uint64_t>(manifest.trainer.seed);
  // A fresh generator seeded like torch::manual_seed(seed) would seed the default one.
  default_generator_state_ = at::detail::createCPUGenerator(seed).get_state();
  {
    DefaultGeneratorScope rng(default_generator_state_);
    model_ = model::make_model(manifest.model, {1, train_.images.size(2), train_.images.size(3)}, classes);
  }
  for (const auto& kv : model_->named_parameters()) {
    names_.push_back(kv.first);
    parameters_.push_back(kv.second);
  }
  optimizer_ = std::make_unique<optimizer::Optimizer>(manifest.optimizer, parameters_);
  order_.emplace(train_.size(), data.shuffle, seed);
}

void TorchSession::step(Observation& observation) {
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    const dataset::EpochOrder::Batch batch = order_->next_batch(batch_size_);
    // from_blob borrows the order's indices; index_select copies the examples out before they can change.
    const at::Tensor index = at::from_blob(const_cast<int64_t*>(batch.indices), {batch.size}, at::kLong);
    const at::Tensor images = to_float(train_.images.index_select(0, index));
    const at::Tensor labels = train_.labels.index_select(0, index);

    // Note [Gradients start from nothing each step]
    // Gradients are reset to undefined (PyTorch's zero_grad(set_to_none=True)) rather than zeroed, so
    // every backward creates them afresh: a session resumed from a snapshot, which has no gradients
    // yet, then computes its first step exactly like the saving session's next step. Zeroed gradients
    // would be accumulated into (0 + g), which differs from g in the sign of zero.
    for (at::Tensor& p : parameters_) p.mutable_grad().reset();
    const at::Tensor logits = model_->forward(images);
    const at::Tensor loss = compute_loss(loss_, logits, labels);
    loss.backward();
    optimizer_->impl().step();

    observation.report("main/loss", loss.item<double>());
    observation.report("main/accuracy", static_cast<double>(count_correct(logits, labels)) / batch.size);
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("training step failed: ", e.what_without_backtrace()));
  }
}

const Split& TorchSession::split_named(const std::string& split) const {
  if (split == "train") return train_;
  if (split == "validation") {
    TK_CHECK(validation_.has_value(), ConfigError, "cannot evaluate \"validation\": data.validation is empty");
    return *validation_;
  }
  throw ConfigError(str_cat("unknown data split \"", split, "\" (expected \"train\" or \"validation\")",
                            did_you_mean(split, {"train", "validation"})));
}

void TorchSession::evaluate(const std::string& split_name, const std::string& prefix, Observation& observation) {
  const Split& split = split_named(split_name);
  const int64_t n = split.size();
  double loss_sum = 0;
  int64_t correct = 0;
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    EvalModeScope eval(*model_);
    torch::NoGradGuard no_grad;
    const int64_t chunk = std::max(batch_size_, kEvalBatch);
    for (int64_t start = 0; start < n; start += chunk) {
      const int64_t len = std::min(chunk, n - start);
      const at::Tensor labels = split.labels.narrow(0, start, len);
      const at::Tensor logits = model_->forward(to_float(split.images.narrow(0, start, len)));
      // Batch means weighted by batch size: the mean over every example, whatever the chunking.
      loss_sum += compute_loss(loss_, logits, labels).item<double>() * static_cast<double>(len);
      correct += count_correct(logits, labels);
    }
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("evaluating \"", split_name, "\" failed: ", e.what_without_backtrace()));
  }
  const std::string head = prefix.empty() ? "" : prefix + "/";
  observation.report(head + "main/loss", loss_sum / static_cast<double>(n));
  observation.report(head + "main/accuracy", static_cast<double>(correct) / static_cast<double>(n));
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
  dataset::EpochOrder::State s = order_->state();
  v.value("epoch", s.epoch);
  v.value("position", s.position);
  if (!s.order.empty())
    dl::save_tensor(v, "order", at::from_blob(s.order.data(), {static_cast<int64_t>(s.order.size())}, at::kLong));
  v.bytes("order_generator", s.generator);
  const at::Tensor& g = default_generator_state_;
  std::vector<uint8_t> bytes(g.data_ptr<uint8_t>(), g.data_ptr<uint8_t>() + g.numel());
  v.bytes("default_generator", bytes);
}

TorchSession::StagedUpdater TorchSession::read_updater(state::Visitor& v) const {
  StagedUpdater staged;
  dl::Scope scope(v, "updater");
  dataset::EpochOrder::State s;
  if (v.value("epoch", s.epoch)) {
    TK_CHECK(v.value("position", s.position), ResumeError, "updater: the snapshot has an epoch but no position");
    const at::Tensor order = dl::load_any_tensor(v, "order", "updater order");
    if (order.defined()) {
      TK_CHECK(order.scalar_type() == at::kLong && order.dim() == 1, ResumeError,
               "updater order: expected an int64 vector, the snapshot has ", order.scalar_type(), " ", order.sizes());
      s.order.assign(order.data_ptr<int64_t>(), order.data_ptr<int64_t>() + order.numel());
    }
    TK_CHECK(v.bytes("order_generator", s.generator), ResumeError,
             "updater: the snapshot has an epoch order but no order_generator");
    dataset::EpochOrder order_check(order_->size(), order_->shuffle(), 0);
    order_check.set_state(s);  // ResumeError when it does not fit this data
    staged.order.emplace(std::move(order_check));
  }
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
  if (staged.order) order_ = std::move(staged.order);
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
  if (loss_ != LossKind::kCrossEntropy) text += loss_ == LossKind::kNll ? ", nll loss" : ", mse loss";
  text += str_cat("; ", train_.size(), " train");
  text += validation_ ? str_cat(" / ", validation_->size(), " validation examples") : " examples (no validation split)";
  text += str_cat(", batch ", batch_size_, ", ", iterations_per_epoch(), " iterations per epoch");
  return text;
}

}  // namespace

std::unique_ptr<Session> make_session(const Manifest& manifest) { return std::make_unique<TorchSession>(manifest); }

}  // namespace trainkit
