#include "torch/session.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "core/spelling.h"
#include "torch/dataset/epoch_order.h"
#include "torch/dataset/idx.h"
#include "torch/model/model.h"
#include "torch/optimizer/optimizer.h"
#include "torch/place.h"

namespace trainkit {
namespace {

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

LossKind parse_loss(const LossConfig& config) {
  if (config.name == "cross_entropy") return LossKind::kCrossEntropy;
  if (config.name == "nll") return LossKind::kNll;
  if (config.name == "mse") return LossKind::kMse;
  throw ConfigError(str_cat(place(config.pos), "loss.name \"", config.name,
                            "\" is not one of cross_entropy, nll, mse",
                            did_you_mean(config.name, {"cross_entropy", "nll", "mse"})));
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

  std::string describe() const override;

 private:
  const Split& split_named(const std::string& split) const;

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
  if (manifest.trainer.threads > 0) at::set_num_threads(static_cast<int>(manifest.trainer.threads));

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

    optimizer_->impl().zero_grad();
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
