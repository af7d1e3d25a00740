#include "torch/session.h"

#include <dlfcn.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <optional>

#include "catalogue/models.h"
#include "core/error.h"
#include "manifest/limits.h"
#include "torch/device.h"
#include "torch/distributed/data_parallel.h"
#include "torch/dlpack_view.h"
#include "torch/model/model.h"
#include "torch/optimizer/optimizer.h"
#include "torch/place.h"
#include "torch/scopes.h"
#include "torch/step.h"
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


// Builtin models on IDX data always output at least this many logits: the MNIST family has ten classes,
// and a training subset that happens to lack the last classes must not shrink the network.
constexpr int64_t kMinClasses = 10;
// Evaluation batches need no gradients, so they can be larger than training ones for speed.
constexpr int64_t kEvalBatch = 1000;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Means of the values steps report, key by key in first-reported order; each value counts `weight` times.
class Means {
 public:
  void add(const std::vector<std::pair<std::string, double>>& values, double weight) {
    for (const auto& [key, value] : values) {
      auto it = std::find_if(sums_.begin(), sums_.end(), [&](const Sum& s) { return s.key == key; });
      if (it == sums_.end()) it = sums_.insert(sums_.end(), Sum{key, 0, 0});
      it->total += value * weight;
      it->weight += weight;
    }
  }
  // Every rank's totals and weights added up: the means over all ranks' examples. The ranks report the
  // same keys in the same order, as they run the same step.
  void sum_over(DataParallel& parallel) {
    std::vector<double> values;
    for (const Sum& s : sums_) values.insert(values.end(), {s.total, s.weight});
    parallel.sum(values);
    for (size_t i = 0; i < sums_.size(); ++i) sums_[i] = Sum{sums_[i].key, values[2 * i], values[2 * i + 1]};
  }
  template <class Report>
  void report(Report&& report) const {
    for (const Sum& s : sums_) report(s.key, s.total / s.weight);
  }

 private:
  struct Sum {
    std::string key;
    double total;
    double weight;
  };
  std::vector<Sum> sums_;
};

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

// Refuses a builtin model whose parameters, with their gradients and two optimizer slots (Adam's), would
// not fit in this machine's memory, before any of it is allocated: LibTorch would otherwise either fail
// with an allocator backtrace or, with memory overcommitted, be killed while initialising the weights.
void check_fits_in_memory(const ModelConfig& config, const model::ModelIo& io) {
  int64_t elements = 1;
  for (int64_t d : io.input) elements = d > 0 && elements > std::numeric_limits<int64_t>::max() / d ? 0 : elements * d;
  int64_t outputs = io.classes;
  if (outputs == 0) {
    outputs = 1;
    for (int64_t d : io.target) outputs *= d;
  }
  // A cnn reads [C, H, W]; any other input is flattened by the mlp (and a cnn refuses it in model.cpp).
  const bool image = io.input.size() == 3;
  const int64_t parameters = catalogue::builtin_parameter_count(
      config, image ? io.input[0] : elements, image ? io.input[1] : 1, image ? io.input[2] : 1, outputs);
  constexpr double kBytesPerParameter = 4.0 * 4;  // float32 weight, gradient, two optimizer slots
  const double needed = static_cast<double>(parameters) * kBytesPerParameter;
  const double memory = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  TK_CHECK(memory <= 0 || needed <= memory, ConfigError, place(config.pos), "model: the ", config.builtin, " has ",
           parameters == std::numeric_limits<int64_t>::max() ? std::string("more than 9e18") : with_commas(parameters),
           " parameters, about ", std::llround(needed / 1e9), " GB with gradients and optimizer state; this machine has ",
           std::llround(memory / 1e9), " GB of memory (make model.hidden or model.channels smaller)");
}

// make_model with every error placed in the manifest: a TorchScript file that is not a module is reported
// at model.torchscript, and LibTorch's own errors come without their backtrace.
std::unique_ptr<model::Model> build_model(const ModelConfig& config, const std::function<model::ModelIo()>& io) {
  const std::string at = config.torchscript.empty() ? place(config.pos) : place(config.torchscript_pos) + "model.torchscript: ";
  try {
    return model::make_model(config, io);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    const bool placed = !config.pos.file.empty() && what.rfind(config.pos.file + ":", 0) == 0;
    if (config.torchscript.empty() || placed) throw;
    throw ConfigError(at + what);
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(at, "cannot build the model: ", e.what_without_backtrace()));
  }
}

class TorchSession final : public Session {
 public:
  TorchSession(const Manifest& manifest, data::Openers openers, ProcessGroup* group);

  // Note [One update, many batches].
  int64_t iterations_per_epoch() const override { return ceil_div(batches_per_epoch(), trainer_.accumulate); }
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
  // Examples one batch of every rank takes together: Note [One global order, strided by rank] (distributed/shard.h).
  int64_t global_batch() const { return batch_size_ * (parallel_ ? parallel_->shard().count : 1); }
  // What the batch just taken moved the epoch's position by (the last batch of an epoch takes what is left).
  int64_t global_batch_taken() const { return std::min(global_batch(), data_.train_size() - epoch_position_); }
  int64_t batches_per_epoch() const { return ceil_div(data_.train_size(), global_batch()); }
  int64_t batches_in_next_update() const;
  Batch on_device(const Batch& batch) const;
  void clip_gradients();
  // What the model service lends: the tensor itself on the CPU, else a CPU copy kept in `copy`.
  static const at::Tensor& on_host(const at::Tensor& t, at::Tensor& copy);

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
  // `source` names what is read in a refusal: "the snapshot" (resume) or "the file" (--init-from).
  std::vector<StagedTensor> read_model(state::Visitor& v, const char* source) const;
  static void apply_model(const std::vector<StagedTensor>& staged);
  void save_updater(state::Visitor& v) const;
  StagedUpdater read_updater(state::Visitor& v) const;
  void apply_updater(StagedUpdater staged);

  int64_t batch_size_;
  int64_t eval_batch_size_;
  TrainerConfig trainer_;
  TrainData data_;
  c10::Device device_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<Step> step_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> host_copies_;  // per parameter, then per gradient: on_host's copies
  std::unique_ptr<optimizer::Optimizer> optimizer_;
  // Examples of the current epoch already trained on, in [0, train size): where the next update starts.
  // It is the data order's position, so it needs no state of its own (apply_updater sets it).
  int64_t epoch_position_ = 0;
  // Note [Each session owns its default-generator state] (scopes.h): with the model, the optimizer and the
  // data's epoch order, everything a bit-exact resume restores.
  at::Tensor default_generator_state_;
  std::unique_ptr<DataParallel> parallel_;  // one rank of a data-parallel run; null when alone
};

const data::Field& field_named(const TrainData& data, const std::string& name) {
  data.example_shape(name);  // ConfigError naming the fields there are
  const auto& fields = data.fields();
  return *std::find_if(fields.begin(), fields.end(), [&](const data::Field& f) { return f.name == name; });
}

// What the default step's model reads and must output: model.input and model.target of the data. An
// integer target holds class labels (Note [Targets of a loss], loss.h).
model::ModelIo model_io(const Manifest& manifest, const TrainData& data) {
  const ModelConfig& config = manifest.model;
  const data::Field& input = field_named(data, config.input);
  const data::Field& target = field_named(data, config.target);
  model::ModelIo io;
  io.input = input.shape;
  io.input_type = *dl::scalar_type(input.dtype);
  io.target = target.shape;
  const at::ScalarType target_type = *dl::scalar_type(target.dtype);
  if (at::isIntegralType(target_type, /*includeBool=*/false)) {
    io.classes = data.label_classes(config.target);
    if (manifest.data.format == "idx") io.classes = std::max(kMinClasses, io.classes);
  } else {
    io.classes = 0;
  }
  return io;
}

// The data is read before the threads are set: reading is single-threaded either way, and a bad data path
// is reported before anything else is built.
TorchSession::TorchSession(const Manifest& manifest, data::Openers openers, ProcessGroup* group)
    : batch_size_(manifest.data.batch_size),
      eval_batch_size_(manifest.data.eval_batch_size > 0 ? manifest.data.eval_batch_size
                                                         : std::max(manifest.data.batch_size, kEvalBatch)),
      trainer_(manifest.trainer),
      // The ranks of a distributed run share out/: rank 0 writes the class maps.
      data_(manifest.data, static_cast<uint64_t>(manifest.trainer.seed),
            group == nullptr || group->rank() == 0 ? manifest.trainer.out : std::string(), std::move(openers)),
      device_(resolve_device(manifest.trainer)) {
  // The manifest's bounds (manifest/limits.h), for configs built in code too.
  TK_CHECK(manifest.data.batch_size > 0 && manifest.data.batch_size <= kMaxBatchSize, ConfigError,
           place(manifest.data.pos), "data.batch_size must be in [1, ", kMaxBatchSize, "], got ",
           manifest.data.batch_size);
  TK_CHECK(manifest.trainer.threads >= 0 && manifest.trainer.threads <= max_threads_here(), ConfigError,
           place(manifest.trainer.pos), "trainer.threads must be in [0, ", max_threads_here(),
           "] on this machine (0 = LibTorch's default), got ", manifest.trainer.threads);
  TK_CHECK(manifest.trainer.accumulate >= 1, ConfigError, place(manifest.trainer.pos),
           "trainer.accumulate must be >= 1, got ", manifest.trainer.accumulate);
  if (manifest.trainer.threads > 0) {
    at::set_num_threads(static_cast<int>(manifest.trainer.threads));
    limit_blas_threads(static_cast<int>(manifest.trainer.threads));
  }
  const auto seed = static_cast<uint64_t>(manifest.trainer.seed);
  // A fresh generator seeded like torch::manual_seed(seed) would seed the default one.
  default_generator_state_ = at::detail::createCPUGenerator(seed).get_state();
  {
    // Built on the CPU from the session's generator, then moved: the same seed gives the same initial
    // weights on every device.
    DefaultGeneratorScope rng(default_generator_state_);
    model_ = build_model(manifest.model, [&] {
      const model::ModelIo io = model_io(manifest, data_);
      if (manifest.model.torchscript.empty()) check_fits_in_memory(manifest.model, io);
      return io;
    });
  }
  model_->to(device_);
  step_ = make_step(*model_, manifest.model, manifest.loss);
  for (const auto& kv : model_->named_parameters()) {
    names_.push_back(kv.first);
    parameters_.push_back(kv.second);
  }
  host_copies_.resize(2 * parameters_.size());
  optimizer_ = std::make_unique<optimizer::Optimizer>(manifest.optimizer, parameters_);
  if (group != nullptr) {  // distributed: torch/distributed/data_parallel.h
    std::vector<at::Tensor> buffers;
    for (const auto& kv : model_->named_buffers()) buffers.push_back(kv.second);
    parallel_ = std::make_unique<DataParallel>(*group, parameters_, std::move(buffers));
    data_.set_shard(parallel_->shard());
  }
}

// Note [One update, many batches]
// With trainer.accumulate = N an iteration is one optimizer update made of N batches: each batch's loss
// is divided by the number of batches of the update before its backward, so the gradients sum to the
// mean of the batches' gradients, and main/<key> reports the mean of the batches' values. An update never
// spans two epochs: the last update of an epoch takes the batches that are left (fewer than N), so an epoch
// is ceil(ceil(examples / batch_size) / N) iterations and epoch boundaries fall where they do without
// accumulation. Clipping applies to the summed gradients, once per update. Snapshots are taken between
// updates, when no gradient is pending, so accumulation adds nothing to the saved state.
int64_t TorchSession::batches_in_next_update() const {
  const int64_t left = ceil_div(data_.train_size() - epoch_position_, global_batch());
  return std::min(trainer_.accumulate, left);
}

Batch TorchSession::on_device(const Batch& batch) const {
  if (device_.is_cpu()) return batch;
  Batch moved;
  moved.size = batch.size;
  for (const auto& [name, tensor] : batch.fields) moved.fields[name] = tensor.to(device_);
  return moved;
}

void TorchSession::clip_gradients() {
  if (trainer_.clip_grad_norm)
    torch::nn::utils::clip_grad_norm_(parameters_, *trainer_.clip_grad_norm, trainer_.clip_norm_type);
  if (trainer_.clip_grad_value) torch::nn::utils::clip_grad_value_(parameters_, *trainer_.clip_grad_value);
}

void TorchSession::step(Observation& observation) {
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    // Note [Gradients start from nothing each step]
    // Gradients are reset to undefined (PyTorch's zero_grad(set_to_none=True)) rather than zeroed, so
    // every backward creates them afresh: a session resumed from a snapshot, which has no gradients
    // yet, then computes its first step exactly like the saving session's next step. Zeroed gradients
    // would be accumulated into (0 + g), which differs from g in the sign of zero.
    for (at::Tensor& p : parameters_) p.mutable_grad().reset();
    const int64_t batches = batches_in_next_update();
    Means means;
    if (parallel_) parallel_->before_forward();
    for (int64_t i = 0; i < batches; ++i) {
      const Batch batch = data_.next_train_batch(batch_size_);
      epoch_position_ = (epoch_position_ + global_batch_taken()) % data_.train_size();
      // DDP's no_sync: only the update's last backward averages the gradients it has summed over the ranks.
      if (parallel_) parallel_->set_synchronizing(i == batches - 1);
      const StepOutput out = step_->train(on_device(batch));
      // One batch: the loss as it is, so a run without accumulation computes exactly what it always did.
      (batches == 1 ? out.loss : out.loss / static_cast<double>(batches)).backward();
      means.add(out.values, 1);
    }
    if (parallel_) parallel_->after_backward();
    clip_gradients();
    optimizer_->impl().step();
    means.report([&](const std::string& key, double mean) { observation.report("main/" + key, mean); });
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("training step failed: ", e.what_without_backtrace()));
  }
}

// Every value is the mean over the split's examples: batch means weighted by batch size, whatever the chunking.
void TorchSession::evaluate(const std::string& split, const std::string& prefix, Observation& observation) {
  Means means;
  try {
    DefaultGeneratorScope rng(default_generator_state_);
    if (parallel_) {
      // Every rank needs a part to report the step's keys (distributed::rank_range): all of them see this.
      const int64_t ranks = parallel_->shard().count;
      if (const std::optional<int64_t> n = data_.split_size(split))
        TK_CHECK(*n >= ranks, ConfigError, "cannot evaluate \"", split, "\" on ", ranks, " ranks: it has only ", *n,
                 " examples");
      parallel_->before_evaluate();
    }
    EvalModeScope eval(*model_);
    torch::NoGradGuard no_grad;
    data_.for_each_batch(split, eval_batch_size_, [&](const Batch& batch) {
      means.add(step_->validate(on_device(batch)).values, static_cast<double>(batch.size));
    });
    if (parallel_) means.sum_over(*parallel_);  // every rank evaluated its part: together they are the split
  } catch (const c10::Error& e) {
    throw TrainingError(str_cat("evaluating \"", split, "\" failed: ", e.what_without_backtrace()));
  }
  const std::string head = prefix.empty() ? "" : prefix + "/";
  means.report([&](const std::string& key, double mean) { observation.report(head + "main/" + key, mean); });
}

const at::Tensor& TorchSession::on_host(const at::Tensor& t, at::Tensor& copy) {
  if (t.device().is_cpu()) return t;
  copy = t.detach().to(c10::kCPU);
  return copy;
}

// Note [Tensors cross devices at the edges] (device.h): plugins read CPU memory.
bool TorchSession::parameter(size_t index, const char** name, DLTensor* out) {
  if (index >= parameters_.size()) return false;
  if (out && !fill_dltensor(on_host(parameters_[index], host_copies_[index]), out)) return false;
  if (name) *name = names_[index].c_str();
  return true;
}

bool TorchSession::gradient(size_t index, DLTensor* out) {
  if (index >= parameters_.size()) return false;
  const at::Tensor& grad = parameters_[index].grad();
  if (!grad.defined()) return false;  // before the first step
  return out == nullptr || fill_dltensor(on_host(grad, host_copies_[parameters_.size() + index]), out);
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

std::vector<TorchSession::StagedTensor> TorchSession::read_model(state::Visitor& v, const char* source) const {
  std::vector<StagedTensor> staged;
  dl::Scope scope(v, "model");
  auto read = [&](const std::string& name, const at::Tensor& live, const char* kind) {
    const std::string what = str_cat("model ", kind, " \"", name, "\"");
    at::Tensor loaded = dl::load_tensor(v, name, live.scalar_type(), live.sizes(), what);
    TK_CHECK(loaded.defined(), ResumeError, source, " has no ", what);
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
  // Where the next update starts (Note [One update, many batches]); position == size: the epoch is used up.
  if (staged.order) epoch_position_ = staged.order->position() % data_.train_size();
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
    if (parts.model) model = read_model(v, "the snapshot");
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
    with_resume_errors([&] { apply_model(read_model(loader, "the file")); });
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
  const std::string step = step_->describe();
  if (step != "cross_entropy loss") text += ", " + step;
  if (trainer_.clip_grad_norm) text += str_cat(", gradient norm clipped to ", *trainer_.clip_grad_norm, " (p = ", trainer_.clip_norm_type, ")");
  if (trainer_.clip_grad_value) text += str_cat(", gradients clipped to +-", *trainer_.clip_grad_value);
  text += str_cat("; ", data_.describe(), ", batch ", batch_size_);
  if (parallel_) text += str_cat(" per rank x ", parallel_->shard().count, " ranks");
  if (trainer_.accumulate > 1) text += str_cat(" x ", trainer_.accumulate, " accumulated");
  text += str_cat(", ", iterations_per_epoch(), " iterations per epoch");
  if (trainer_.device != "cpu") text += str_cat("; on ", device_.str());
  return text;
}

}  // namespace

std::unique_ptr<Session> make_session(const Manifest& manifest, data::Openers openers, ProcessGroup* group) {
  return std::make_unique<TorchSession>(manifest, std::move(openers), group);
}

}  // namespace trainkit
