// trainkit manifest: the parsed, checked contents of a manifest.toml, free of any TOML type.
//
//   Manifest m = load_manifest("samples/fashion_mnist/manifest.toml", {"trainer.stop=3 epoch"});
//   m.data.batch_size;  m.extensions[0].name;
//
// Every key is checked while loading: an unknown key or a wrong type is a ConfigError naming
// file:line:col, the dotted key path and, for a misspelling, the closest valid key.
//
// The module, one job per file: option_value.* (TOML text → OptionValue, the only user of toml++),
// value_checks.* (kinds, ranges, unknown keys: the shape of every message), table_reader.* (one table's
// keys by name), trigger_option.* (trigger strings and tables), overrides.* (--set), one *_section.cpp
// per section (sections.h), manifest.cpp (the whole document) and extension_options.* (an extension's
// options against what its class declares). What each optimizer, loss and builtin
// model reads, and the bounds, come from runtime/catalogue/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifest/option_value.h"
#include "manifest/value_checks.h"  // shared with the option binding (extension_options.cpp)
#include "trigger/trigger_spec.h"

namespace trainkit {

struct EarlyStopSpec {
  bool enabled = false;
  std::string monitor = "main/loss";
  bool maximize = false;  // mode "max"; "auto" → max iff monitor contains "accuracy" (Chainer)
  int64_t patience = 3;
  TriggerSpec check;      // default "1 epoch"
};

struct TrainerConfig {
  std::string out = "result";           // absolute after loading (relative to the manifest's folder)
  TriggerSpec stop;                     // the run ends when it fires (for early stopping: `max`)
  EarlyStopSpec early_stop;
  int64_t seed = 0;
  int64_t threads = 0;                  // 0 = LibTorch default
  std::vector<std::string> plugin_dirs; // absolute after loading
  std::string init_from;                // model weights to start from (a snapshot, checkpoint or weights file)
  bool init_strict = true;              // every parameter must be in it, with the same shape
  std::string init_prefix;              // stripped from the file's parameter names ("module." from DDP)
  std::string device = "cpu";           // "cpu" | "cuda" | "cuda:N" | "auto"
  int64_t accumulate = 1;               // batches per optimizer update
  std::optional<double> clip_grad_norm;   // the gradients' total norm is scaled down to at most this
  double clip_norm_type = 2.0;          // the p of that norm (inf: the largest magnitude)
  std::optional<double> clip_grad_value;  // every gradient element is clamped to [-value, value]
  SourcePos pos;
};

struct ModelConfig {
  std::string builtin = "mlp";          // catalogue/models.h; empty when torchscript is set
  std::string torchscript;              // absolute path of a scripted module, or empty
  std::vector<int64_t> hidden = {256};  // mlp hidden widths
  std::vector<int64_t> channels = {32, 64};  // cnn conv channels
  double dropout = 0.0;
  std::string input = "image";          // the batch field a forward-only model is given
  std::string target = "label";         // the batch field [loss] compares its output with
  SourcePos pos;
  SourcePos torchscript_pos;            // where torchscript is written: errors about the file point there
};

// The values of data.format, each read by runtime/data/.
inline const std::vector<std::string> kDataFormats = {"idx", "tensors", "npz", "npy", "csv", "image_folder", "plugin"};

// [data]: which format, which files, how they are split and batched (docs/manifest.md, "[data]").
struct DataConfig {
  // One [data.fields] entry of the csv format: a field and the columns it is made of.
  struct Columns {
    std::string field;
    std::vector<std::string> columns;
    std::vector<int64_t> shape;         // of one example: [] for one column, [k] for k, or as given
  };
  std::string format = "idx";           // idx | tensors | npz | npy | csv | image_folder | plugin
  // idx: the folder of the IDX files. Every other format: the folder `train` and `validation` are
  // relative to (default: the manifest's folder). Absolute after loading.
  std::string root = "/usr/share/datasets/fashion-mnist";
  std::string train = "train";          // idx: file stem; others: a file or folder, absolute after loading
  std::string validation = "t10k";      // same; empty = no validation split (the default but for idx)
  double validation_split = 0;          // > 0: this fraction of train, drawn with the seed, validates
  int64_t batch_size = 64;
  int64_t eval_batch_size = 0;          // 0 = max(batch_size, 1000)
  bool shuffle = true;
  int64_t train_limit = 0;              // use only the first N training examples (0 = all)
  int64_t validation_limit = 0;         // same for validation
  int64_t prefetch = 2;                 // batches prepared ahead on a background thread (0 = none)
  std::vector<int64_t> size;            // image_folder: [H, W] to resize to (empty: keep the size)
  int64_t channels = 3;                 // image_folder: 1 (gray) or 3 (RGB)
  std::vector<Columns> fields;          // csv: [data.fields] (empty: one field per column)
  std::vector<std::pair<std::string, std::string>> dtypes;  // csv: [data.dtypes] field -> dtype
  std::string plugin;                   // plugin: the dataset class
  std::vector<std::pair<std::string, OptionValue>> options;  // plugin: [data.options], in file order
  SourcePos pos;
  SourcePos root_pos;                   // where root is written (the table's place when it is not)
};

// Which optimizer reads which key, the bounds, and the defaults that differ between optimizers (adamw's
// weight_decay, adagrad's eps) are in catalogue/optimizers.cpp; the initial values here are the defaults
// every optimizer shares (LibTorch's, but for lr).
struct OptimizerConfig {
  std::string name = "sgd";
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;            // the effective value once loaded
  std::optional<double> weight_decay_given;  // as written in the manifest
  double beta1 = 0.9, beta2 = 0.999;    // `betas = [b1, b2]`
  double eps = 1e-8;                    // the effective value once loaded
  std::optional<double> eps_given;      // as written in the manifest
  bool amsgrad = false;
  double alpha = 0.99;
  bool centered = false;
  double lr_decay = 0.0;
  double initial_accumulator_value = 0.0;
  SourcePos pos;
};

// Which loss reads which key, and the bounds, are in catalogue/losses.cpp.
struct LossConfig {
  std::string name = "cross_entropy";   // catalogue/losses.h
  double label_smoothing = 0.0;         // cross_entropy
  double beta = 1.0;                    // smooth_l1: where the loss turns from quadratic to linear
  SourcePos pos;
};

// [distributed]: how the ranks of a data-parallel run talk (docs/distributed.md). Read in every run, used
// only when the process is one rank of several (torchrun's environment, or `trainkit run --nproc N`).
struct DistributedConfig {
  std::string backend = "gloo";         // "gloo" (CPU) | "nccl" (CUDA, where the LibTorch has it)
  double timeout = 300;                 // seconds a collective, a barrier or the rendezvous may wait
  double bucket_mb = 25;                // gradient all-reduce bucket size in MiB (DDP's bucket_cap_mb)
  bool broadcast_buffers = true;        // rank 0's buffers to every rank before each forward (DDP's default)
  SourcePos pos;
};

// One [[extension]] table.
struct ExtensionConfig {
  std::string use;                      // extension class name
  std::string name;                     // unique instance name (default: use; repeats get _1, _2, ...)
  bool name_given = false;
  std::optional<TriggerSpec> trigger;   // unset: the class's default
  std::optional<int64_t> priority;      // unset: the class's default
  std::vector<std::pair<std::string, OptionValue>> options;  // every other key, in file order
  SourcePos pos;                        // the table's header
};

// Use as the one description of a run; built by load_manifest.
struct Manifest {
  std::string path;                     // absolute path of the manifest file
  std::string dir;                      // its folder
  std::string text;                     // the file as read (stored in snapshots' meta/)
  std::vector<std::string> overrides;   // the --set arguments applied
  TrainerConfig trainer;
  ModelConfig model;
  DataConfig data;
  OptimizerConfig optimizer;
  LossConfig loss;
  DistributedConfig distributed;
  std::vector<ExtensionConfig> extensions;
};

// Parses and checks the file, applying `--set KEY=VALUE` overrides (dotted path; extensions by instance
// name: "extension.snapshot.n_retains=2"). Throws ConfigError with file:line:col on any problem.
Manifest load_manifest(const std::string& path, const std::vector<std::string>& overrides = {});

// Same, from text already in memory (tests); `path` is used for messages and for resolving relative paths.
Manifest parse_manifest(const std::string& text, const std::string& path,
                        const std::vector<std::string>& overrides = {});

// Throws ConfigError at the key's place unless the files the manifest names are there: data.root a folder
// (for format "idx"), model.torchscript a regular file (a FIFO would block the read). Separate from parsing,
// which never touches the file system; `validate` and `run` both call it before anything loads.
// (trainer.init_from is checked with --init-from, whose refusals exit 3: docs/resume.md.)
void check_named_files(const Manifest& manifest);

}  // namespace trainkit
