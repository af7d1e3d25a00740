// trainkit manifest: the parsed, checked contents of a manifest.toml, free of any TOML type.
//
//   Manifest m = load_manifest("samples/fashion_mnist/manifest.toml", {"trainer.stop=3 epoch"});
//   m.data.batch_size;  m.extensions[0].name;
//
// Every key is checked while loading: an unknown key or a wrong type is a ConfigError naming
// file:line:col, the dotted key path and, for a misspelling, the closest valid key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trigger/trigger_spec.h"

namespace trainkit {

// Where a value was written; line 0 means "not from the file" (a default or a --set override).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "manifest.toml:14:3" (or "manifest.toml" / "--set" when line is 0)
};

// The SourcePos::file of every value that came from a `--set KEY=VALUE` override.
constexpr char kOverrideFile[] = "--set";

// A value of an extension option as written in the manifest (before it is checked against the class).
struct OptionValue {
  enum class Kind { kBool, kInt, kFloat, kString, kArray, kTable };
  Kind kind = Kind::kString;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<OptionValue> items;                       // kArray
  std::vector<std::pair<std::string, OptionValue>> fields;  // kTable (e.g. a trigger table), in file order
  SourcePos pos;                                        // where the value starts
  SourcePos key_pos;                                    // where its key starts (table fields, extension options)
};

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
  std::string init_from;                // model weights to start from (a snapshot or checkpoint file)
  bool init_strict = true;              // every parameter must be in it, with the same shape
  SourcePos pos;
};

struct ModelConfig {
  std::string builtin = "mlp";          // "mlp" | "cnn"; empty when torchscript is set
  std::string torchscript;              // absolute path of a scripted module, or empty
  std::vector<int64_t> hidden = {256};  // mlp hidden widths
  std::vector<int64_t> channels = {32, 64};  // cnn conv channels
  double dropout = 0.0;
  SourcePos pos;
};

struct DataConfig {
  std::string format = "idx";
  std::string root = "/usr/share/datasets/fashion-mnist";
  std::string train = "train";          // file stem
  std::string validation = "t10k";      // file stem; empty = no validation split
  int64_t batch_size = 64;
  bool shuffle = true;
  int64_t train_limit = 0;              // use only the first N training examples (0 = all)
  int64_t validation_limit = 0;         // same for validation
  SourcePos pos;
};

struct OptimizerConfig {
  std::string name = "sgd";             // sgd | adam | adamw | rmsprop | adagrad
  double lr = 0.01;
  double momentum = 0.0;                // sgd, rmsprop
  double dampening = 0.0;               // sgd
  bool nesterov = false;                // sgd
  double weight_decay = 0.0;            // all (adamw default 0.01 when not given)
  std::optional<double> weight_decay_given;
  double beta1 = 0.9, beta2 = 0.999;    // adam, adamw (`betas = [b1, b2]`)
  double eps = 1e-8;                    // adam, adamw, rmsprop (1e-8), adagrad (1e-10 when not given)
  std::optional<double> eps_given;
  bool amsgrad = false;                 // adam, adamw
  double alpha = 0.99;                  // rmsprop
  bool centered = false;                // rmsprop
  double lr_decay = 0.0;                // adagrad
  double initial_accumulator_value = 0.0;  // adagrad
  SourcePos pos;
};

struct LossConfig {
  std::string name = "cross_entropy";   // cross_entropy | mse | nll
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
  std::vector<ExtensionConfig> extensions;
};

// Parses and checks the file, applying `--set KEY=VALUE` overrides (dotted path; extensions by instance
// name: "extension.snapshot.n_retains=2"). Throws ConfigError with file:line:col on any problem.
Manifest load_manifest(const std::string& path, const std::vector<std::string>& overrides = {});

// Same, from text already in memory (tests); `path` is used for messages and for resolving relative paths.
Manifest parse_manifest(const std::string& text, const std::string& path,
                        const std::vector<std::string>& overrides = {});

// Helpers shared by the manifest and the option binding, so every message has one shape.

// Parses one TOML value ("3", "[1, 2]", "{ every = \"5 min\" }"), every part placed at `pos`; nullopt when
// the text is not a TOML value trainkit uses (dates and times are not).
std::optional<OptionValue> parse_option_value(const std::string& text, const SourcePos& pos);

// The start of a message: "manifest.toml:4:8: data.batch_size", or "--set data.batch_size" for an override.
std::string locate(const SourcePos& pos, const std::string& key_path);

// Throws ConfigError "<place>: <what>" placed at `value`.
[[noreturn]] void fail_at(const OptionValue& value, const std::string& key_path, const std::string& what);

// The field `key` of a table value, or nullptr.
const OptionValue* find_field(const OptionValue& table, const std::string& key);

// An integer or float value as a double; ConfigError for anything else.
double number_of(const OptionValue& value, const std::string& key_path);

// "an integer", "a string", ...: for "expected X, got Y".
const char* describe_kind(OptionValue::Kind kind);

// Throws ConfigError "<place>: expected an integer, got a string" unless `value` is of `kind`.
void expect_kind(const OptionValue& value, const std::string& key_path, OptionValue::Kind kind);

// Throws ConfigError for the first field of `table` not in `known`, with a did-you-mean.
// `table_path` is its dotted path ("trainer"; "" for the top level).
void reject_unknown_keys(const OptionValue& table, const std::string& table_path,
                         const std::vector<std::string>& known);

}  // namespace trainkit
