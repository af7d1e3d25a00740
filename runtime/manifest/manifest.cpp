#include "manifest/manifest.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/spelling.h"
#include "manifest/extension_options.h"

namespace trainkit {

std::string SourcePos::str() const {
  if (line <= 0) return file;
  return str_cat(file, ":", line, ":", column);
}

namespace {

namespace fs = std::filesystem;
using Kind = OptionValue::Kind;

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

SourcePos override_pos() { return SourcePos{kOverrideFile, 0, 0}; }

OptionValue* mutable_field(OptionValue& table, const std::string& key) {
  return const_cast<OptionValue*>(find_field(table, key));
}

// A float key takes an integer too: `lr = 1` means 1.0.

// ---------------------------------------------------------------------------------------------------------
// TOML → OptionValue. Checking works on OptionValue only, so one set of checks serves the file, the --set
// overrides and the options handed to plugins.

// Where converted values are placed: their own position in the file, or all at one fixed place (an
// override's value, a declared default), since "v = ..." positions would mislead.
struct Placement {
  std::string file;
  std::optional<SourcePos> fixed;

  SourcePos at(const toml::source_region& region) const {
    if (fixed) return *fixed;
    return SourcePos{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  }
};

OptionValue convert_node(const toml::node& node, const Placement& place, const std::string& path);

// toml++ tables are sorted by key; sorting by where each key was written restores file order, which
// extension options keep (plugins and `trainkit validate` show them as written).
OptionValue convert_table(const toml::table& table, const Placement& place, const std::string& path) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  OptionValue out;
  out.kind = Kind::kTable;
  out.pos = place.at(table.source());
  for (const auto& [key, node] : entries) {
    const std::string name(key->str());
    OptionValue value = convert_node(*node, place, join(path, name));
    value.key_pos = place.at(key->source());
    out.fields.emplace_back(name, std::move(value));
  }
  return out;
}

OptionValue convert_node(const toml::node& node, const Placement& place, const std::string& path) {
  OptionValue out;
  out.pos = place.at(node.source());
  switch (node.type()) {
    case toml::node_type::boolean:
      out.kind = Kind::kBool;
      out.b = node.as_boolean()->get();
      break;
    case toml::node_type::integer:
      out.kind = Kind::kInt;
      out.i = node.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out.kind = Kind::kFloat;
      out.f = node.as_floating_point()->get();
      break;
    case toml::node_type::string:
      out.kind = Kind::kString;
      out.s = node.as_string()->get();
      break;
    case toml::node_type::array: {
      out.kind = Kind::kArray;
      const toml::array& array = *node.as_array();
      for (size_t i = 0; i < array.size(); ++i)
        out.items.push_back(convert_node(array[i], place, str_cat(path, "[", i, "]")));
      break;
    }
    case toml::node_type::table:
      return convert_table(*node.as_table(), place, path);
    default:
      fail_at(out, path, "dates and times are not used by trainkit (quote the value to make it a string)");
  }
  return out;
}

OptionValue parse_document(const std::string& text, const std::string& display_path) {
  try {
    const toml::table root = toml::parse(std::string_view(text), std::string_view(display_path));
    return convert_table(root, Placement{display_path, std::nullopt}, "");
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw ConfigError(str_cat(display_path, ":", begin.line, ":", begin.column, ": ", e.description()));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading checked values out of one table.

// Use to read one table's keys by name; the names asked for are the known keys, so whatever else the
// table holds is reported as unknown (with a did-you-mean) by finish().
class TableReader {
 public:
  TableReader(const OptionValue& table, std::string path) : table_(table), path_(std::move(path)) {}

  std::string path_of(const std::string& key) const { return join(path_, key); }

  const OptionValue* find(const std::string& key) {
    if (!contains(known_, key)) known_.push_back(key);
    return find_field(table_, key);
  }

  bool read(const std::string& key, std::string& out) { return read_scalar(key, Kind::kString, [&](auto& v) { out = v.s; }); }
  bool read(const std::string& key, int64_t& out) { return read_scalar(key, Kind::kInt, [&](auto& v) { out = v.i; }); }
  bool read(const std::string& key, bool& out) { return read_scalar(key, Kind::kBool, [&](auto& v) { out = v.b; }); }

  bool read(const std::string& key, double& out) {
    const OptionValue* v = find(key);
    if (!v) return false;
    out = number_of(*v, path_of(key));
    return true;
  }

  bool read(const std::string& key, std::vector<int64_t>& out) {
    return read_list(key, Kind::kInt, [&](const OptionValue& item) { out.push_back(item.i); }, out);
  }
  bool read(const std::string& key, std::vector<std::string>& out) {
    return read_list(key, Kind::kString, [&](const OptionValue& item) { out.push_back(item.s); }, out);
  }

  // Throws at the value of `key` (which must be present) unless `ok`.
  void require(bool ok, const std::string& key, const std::string& what) const {
    if (!ok) fail_at(*find_field(table_, key), path_of(key), what);
  }
  // Same for item `index` of the list at `key`.
  void require_item(bool ok, const std::string& key, size_t index, const std::string& what) const {
    if (!ok) fail_at(find_field(table_, key)->items.at(index), str_cat(path_of(key), "[", index, "]"), what);
  }

  void finish() const { reject_unknown_keys(table_, path_, known_); }

 private:
  template <class Store>
  bool read_scalar(const std::string& key, Kind kind, Store store) {
    const OptionValue* v = find(key);
    if (!v) return false;
    expect_kind(*v, path_of(key), kind);
    store(*v);
    return true;
  }

  template <class Store, class List>
  bool read_list(const std::string& key, Kind item_kind, Store store, List& out) {
    const OptionValue* v = find(key);
    if (!v) return false;
    expect_kind(*v, path_of(key), Kind::kArray);
    out.clear();
    for (size_t i = 0; i < v->items.size(); ++i) {
      expect_kind(v->items[i], str_cat(path_of(key), "[", i, "]"), item_kind);
      store(v->items[i]);
    }
    return true;
  }

  const OptionValue& table_;
  std::string path_;
  std::vector<std::string> known_;
};

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += str_cat(i ? ", " : "", "\"", names[i], "\"");
  return out;
}

// Checks that a string key holds one of `choices`, suggesting the closest.
void require_choice(const TableReader& r, const std::string& key, const std::string& value,
                    const std::vector<std::string>& choices) {
  r.require(contains(choices, value), key,
            str_cat("\"", value, "\" is not one of ", quoted_list(choices), did_you_mean(value, choices)));
}

std::string absolute_from(const std::string& dir, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(dir) / p).lexically_normal().string();
}

// "N epoch" / "N iteration" only: the run's length cannot be "once" or a table.
TriggerSpec read_interval(const OptionValue& value, const std::string& key_path) {
  expect_kind(value, key_path, Kind::kString);
  TriggerSpec spec = trigger_from_option(value, key_path);
  if (spec.kind != TriggerKind::kInterval)
    fail_at(value, key_path, str_cat("expected \"N epoch\" or \"N iteration\", not \"", value.s, "\""));
  return spec;
}

// ---------------------------------------------------------------------------------------------------------
// The sections.

void read_early_stop(const OptionValue& table, const std::string& path, TrainerConfig& t) {
  TableReader r(table, path);
  EarlyStopSpec& es = t.early_stop;
  es.enabled = true;
  if (r.read("monitor", es.monitor)) r.require(!es.monitor.empty(), "monitor", "must name an observation key");
  std::string mode = "auto";
  if (r.read("mode", mode)) require_choice(r, "mode", mode, {"min", "max", "auto"});
  // Chainer's EarlyStoppingTrigger: "auto" maximizes accuracies and minimizes everything else.
  es.maximize = mode == "max" || (mode == "auto" && es.monitor.find("accuracy") != std::string::npos);
  if (r.read("patience", es.patience)) r.require(es.patience >= 1, "patience", "must be >= 1");
  t.stop = parse_trigger_text("100 epoch");
  if (const OptionValue* max = r.find("max")) t.stop = read_interval(*max, r.path_of("max"));
  if (const OptionValue* check = r.find("check")) es.check = read_interval(*check, r.path_of("check"));
  r.finish();
}

void read_stop(TableReader& r, TrainerConfig& t) {
  const OptionValue* stop = r.find("stop");
  if (!stop) return;
  if (stop->kind == Kind::kTable) return read_early_stop(*stop, r.path_of("stop"), t);
  if (stop->kind != Kind::kString)
    fail_at(*stop, r.path_of("stop"),
         str_cat("expected a string (\"10 epoch\") or an early-stopping table, got ", describe_kind(stop->kind)));
  t.stop = read_interval(*stop, r.path_of("stop"));
}

void read_trainer(const OptionValue& table, const std::string& dir, TrainerConfig& t) {
  TableReader r(table, "trainer");
  t.pos = table.pos;
  t.stop = parse_trigger_text("10 epoch");
  t.early_stop.check = parse_trigger_text("1 epoch");
  if (r.read("out", t.out)) r.require(!t.out.empty(), "out", "must not be empty");
  read_stop(r, t);
  if (r.read("seed", t.seed)) r.require(t.seed >= 0, "seed", "must be >= 0");
  if (r.read("threads", t.threads)) r.require(t.threads >= 0, "threads", "must be >= 0 (0 = LibTorch default)");
  if (r.read("plugin_dirs", t.plugin_dirs))
    for (size_t i = 0; i < t.plugin_dirs.size(); ++i)
      r.require_item(!t.plugin_dirs[i].empty(), "plugin_dirs", i, "must not be empty");
  r.read("init_from", t.init_from);
  r.read("init_strict", t.init_strict);
  r.finish();
  t.out = absolute_from(dir, t.out);
  if (!t.init_from.empty()) t.init_from = absolute_from(dir, t.init_from);
  for (auto& d : t.plugin_dirs) d = absolute_from(dir, d);
}

void require_positive_items(const TableReader& r, const std::string& key, const std::vector<int64_t>& items) {
  for (size_t i = 0; i < items.size(); ++i) r.require_item(items[i] > 0, key, i, "must be > 0");
}

void read_model(const OptionValue& table, const std::string& dir, ModelConfig& m) {
  TableReader r(table, "model");
  m.pos = table.pos;
  const bool builtin_given = r.read("builtin", m.builtin);
  if (r.read("torchscript", m.torchscript)) {
    r.require(!builtin_given, "torchscript", "builtin and torchscript are exclusive: give one of them");
    r.require(!m.torchscript.empty(), "torchscript", "must be the path of a scripted module");
    m.torchscript = absolute_from(dir, m.torchscript);
    m.builtin.clear();
  } else {
    require_choice(r, "builtin", m.builtin, {"mlp", "cnn"});
  }
  if (r.read("hidden", m.hidden)) require_positive_items(r, "hidden", m.hidden);
  if (r.read("channels", m.channels)) {
    r.require(!m.channels.empty(), "channels", "must list at least one conv layer");
    require_positive_items(r, "channels", m.channels);
  }
  if (r.read("dropout", m.dropout))
    r.require(m.dropout >= 0 && m.dropout < 1, "dropout", "must be in [0, 1)");
  r.finish();
}

void read_data(const OptionValue& table, const std::string& dir, DataConfig& d) {
  TableReader r(table, "data");
  d.pos = table.pos;
  if (r.read("format", d.format))
    r.require(d.format == "idx", "format",
              str_cat("unsupported format \"", d.format, "\"; only \"idx\" (MNIST-family IDX files) is read"));
  if (r.read("root", d.root)) r.require(!d.root.empty(), "root", "must not be empty");
  if (r.read("train", d.train)) r.require(!d.train.empty(), "train", "must name the training files' stem");
  r.read("validation", d.validation);  // empty: no validation split
  if (r.read("batch_size", d.batch_size)) r.require(d.batch_size > 0, "batch_size", "must be > 0");
  r.read("shuffle", d.shuffle);
  if (r.read("train_limit", d.train_limit)) r.require(d.train_limit >= 0, "train_limit", "must be >= 0 (0 = all)");
  if (r.read("validation_limit", d.validation_limit))
    r.require(d.validation_limit >= 0, "validation_limit", "must be >= 0 (0 = all)");
  r.finish();
  d.root = absolute_from(dir, d.root);
}

// Which optimizers read each hyperparameter (LibTorch's *Options): a key the chosen optimizer ignores is
// an error, not a silent no-op.
const std::vector<std::pair<std::string, std::vector<std::string>>>& optimizer_key_users() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> users = {
      {"lr", {"sgd", "adam", "adamw", "rmsprop", "adagrad"}},
      {"weight_decay", {"sgd", "adam", "adamw", "rmsprop", "adagrad"}},
      {"momentum", {"sgd", "rmsprop"}},
      {"dampening", {"sgd"}},
      {"nesterov", {"sgd"}},
      {"betas", {"adam", "adamw"}},
      {"eps", {"adam", "adamw", "rmsprop", "adagrad"}},
      {"amsgrad", {"adam", "adamw"}},
      {"alpha", {"rmsprop"}},
      {"centered", {"rmsprop"}},
      {"lr_decay", {"adagrad"}},
      {"initial_accumulator_value", {"adagrad"}},
  };
  return users;
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

void reject_keys_unused_by(const OptionValue& table, const std::string& optimizer) {
  for (const auto& [key, value] : table.fields)
    for (const auto& [name, users] : optimizer_key_users())
      if (name == key && !contains(users, optimizer))
        throw ConfigError(str_cat(locate(value.key_pos, join("optimizer", key)), ": not used by \"", optimizer,
                                  "\" (used by ", name_list(users), ")"));
}

void read_betas(TableReader& r, OptimizerConfig& o) {
  const OptionValue* betas = r.find("betas");
  if (!betas) return;
  const std::string path = r.path_of("betas");
  expect_kind(*betas, path, Kind::kArray);
  if (betas->items.size() != 2) fail_at(*betas, path, "expected two numbers: [beta1, beta2]");
  double values[2];
  for (size_t i = 0; i < 2; ++i) {
    const std::string item_path = str_cat(path, "[", i, "]");
    values[i] = number_of(betas->items[i], item_path);
    if (!(values[i] >= 0 && values[i] < 1)) fail_at(betas->items[i], item_path, "must be in [0, 1)");
  }
  o.beta1 = values[0];
  o.beta2 = values[1];
}

void read_optimizer(const OptionValue& table, OptimizerConfig& o) {
  TableReader r(table, "optimizer");
  o.pos = table.pos;
  if (r.read("name", o.name)) require_choice(r, "name", o.name, {"sgd", "adam", "adamw", "rmsprop", "adagrad"});
  if (r.read("lr", o.lr)) r.require(o.lr > 0, "lr", "must be > 0");
  if (r.read("momentum", o.momentum)) r.require(o.momentum >= 0, "momentum", "must be >= 0");
  if (r.read("dampening", o.dampening)) r.require(o.dampening >= 0, "dampening", "must be >= 0");
  r.read("nesterov", o.nesterov);
  double weight_decay = 0;
  if (r.read("weight_decay", weight_decay)) {
    r.require(weight_decay >= 0, "weight_decay", "must be >= 0");
    o.weight_decay_given = weight_decay;
  }
  read_betas(r, o);
  double eps = 0;
  if (r.read("eps", eps)) {
    r.require(eps > 0, "eps", "must be > 0");
    o.eps_given = eps;
  }
  r.read("amsgrad", o.amsgrad);
  if (r.read("alpha", o.alpha)) r.require(o.alpha >= 0, "alpha", "must be >= 0");
  r.read("centered", o.centered);
  if (r.read("lr_decay", o.lr_decay)) r.require(o.lr_decay >= 0, "lr_decay", "must be >= 0");
  if (r.read("initial_accumulator_value", o.initial_accumulator_value))
    r.require(o.initial_accumulator_value >= 0, "initial_accumulator_value", "must be >= 0");
  r.finish();
  reject_keys_unused_by(table, o.name);
  // LibTorch throws on this at the first step; say it before anything trains.
  if (o.nesterov)
    r.require(o.momentum > 0 && o.dampening == 0, "nesterov", "needs momentum > 0 and dampening = 0");
  // The fields hold the effective values (LibTorch's per-optimizer defaults); the optionals say what was given.
  o.weight_decay = o.weight_decay_given.value_or(o.name == "adamw" ? 0.01 : 0.0);
  o.eps = o.eps_given.value_or(o.name == "adagrad" ? 1e-10 : 1e-8);
}

void read_loss(const OptionValue& table, LossConfig& l) {
  TableReader r(table, "loss");
  l.pos = table.pos;
  if (r.read("name", l.name)) require_choice(r, "name", l.name, {"cross_entropy", "mse", "nll"});
  r.finish();
}

// ---------------------------------------------------------------------------------------------------------
// Extensions.

// Instance names appear in --set paths, state scopes and file names.
void check_explicit_name(const OptionValue& name, const std::string& path) {
  expect_kind(name, path, Kind::kString);
  if (name.s.empty()) fail_at(name, path, "must not be empty");
  const bool plain = std::all_of(name.s.begin(), name.s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!plain) fail_at(name, path, str_cat("\"", name.s, "\" may hold only letters, digits, '_' and '-'"));
}

const OptionValue& read_use(const OptionValue& table, const std::string& path) {
  expect_kind(table, path, Kind::kTable);
  const OptionValue* use = find_field(table, "use");
  if (!use) fail_at(table, path, "missing \"use\": the extension class to instantiate");
  expect_kind(*use, path + ".use", Kind::kString);
  if (use->s.empty()) fail_at(*use, path + ".use", "must name an extension class");
  return *use;
}

// Chainer's naming: explicit names are taken as given (and must be unique); the others default to the class
// name, and where that is taken the later ones get _1, _2, ... so the first keeps the bare name.
std::vector<std::string> resolve_instance_names(const OptionValue& extensions) {
  std::vector<std::string> uses;
  std::vector<const OptionValue*> explicit_names;
  std::set<std::string> taken;
  for (size_t i = 0; i < extensions.items.size(); ++i) {
    const std::string path = str_cat("extension[", i, "]");
    uses.push_back(read_use(extensions.items[i], path).s);
    const OptionValue* name = find_field(extensions.items[i], "name");
    if (name) {
      check_explicit_name(*name, path + ".name");
      for (const OptionValue* earlier : explicit_names)
        if (earlier && earlier->s == name->s)
          fail_at(*name, path + ".name", str_cat("\"", name->s, "\" is already the name of the extension at ", earlier->pos.str()));
      taken.insert(name->s);
    }
    explicit_names.push_back(name);
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < extensions.items.size(); ++i) {
    std::string name = explicit_names[i] ? explicit_names[i]->s : uses[i];
    if (!explicit_names[i]) {
      for (int ordinal = 1; taken.count(name); ++ordinal) name = str_cat(uses[i], "_", ordinal);
      taken.insert(name);
    }
    // Chainer reserves "training" for the trainer's own scope.
    if (name == "training")
      fail_at(explicit_names[i] ? *explicit_names[i] : extensions.items[i], str_cat("extension[", i, "]"),
           "the instance name \"training\" is reserved; give the extension another `name`");
    names.push_back(name);
  }
  return names;
}

ExtensionConfig read_extension(const OptionValue& table, const std::string& name) {
  ExtensionConfig e;
  e.pos = table.pos;
  e.name = name;
  const std::string path = "extension." + name;
  for (const auto& [key, value] : table.fields) {
    if (key == "use") {
      e.use = value.s;
    } else if (key == "name") {
      e.name_given = true;
    } else if (key == "trigger") {
      e.trigger = trigger_from_option(value, join(path, key));
    } else if (key == "priority") {
      expect_kind(value, join(path, key), Kind::kInt);
      e.priority = value.i;
    } else {
      e.options.emplace_back(key, value);  // the class's own option: bind_options checks it
    }
  }
  return e;
}

void read_extensions(const OptionValue& value, std::vector<ExtensionConfig>& out) {
  if (value.kind == Kind::kTable)
    fail_at(value, "extension", "write each extension as [[extension]] (an array of tables), not [extension]");
  expect_kind(value, "extension", Kind::kArray);
  const std::vector<std::string> names = resolve_instance_names(value);
  for (size_t i = 0; i < names.size(); ++i) out.push_back(read_extension(value.items[i], names[i]));
}

// ---------------------------------------------------------------------------------------------------------
// The whole document.

void read_root(const OptionValue& root, const std::string& display_path, Manifest& m) {
  // An absent section reads as an empty table placed at the file, so defaults flow through the same checks.
  OptionValue absent;
  absent.kind = Kind::kTable;
  absent.pos = SourcePos{display_path, 0, 0};
  TableReader r(root, "");
  auto section = [&](const std::string& name) -> const OptionValue& {
    const OptionValue* table = r.find(name);
    if (!table) return absent;
    expect_kind(*table, name, Kind::kTable);
    return *table;
  };
  const OptionValue& trainer = section("trainer");
  const OptionValue& model = section("model");
  const OptionValue& data = section("data");
  const OptionValue& optimizer = section("optimizer");
  const OptionValue& loss = section("loss");
  const OptionValue* extensions = r.find("extension");
  r.finish();  // a misspelled section first: its keys would otherwise look missing
  read_trainer(trainer, m.dir, m.trainer);
  read_model(model, m.dir, m.model);
  read_data(data, m.dir, m.data);
  read_optimizer(optimizer, m.optimizer);
  read_loss(loss, m.loss);
  if (extensions) read_extensions(*extensions, m.extensions);
}

// ---------------------------------------------------------------------------------------------------------
// --set KEY=VALUE

struct Override {
  std::string key;                // "trainer.stop"
  std::vector<std::string> path;  // {"trainer", "stop"}
  OptionValue value;
};

std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(key);
  while (std::getline(in, part, '.')) parts.push_back(part);
  if (!key.empty() && key.back() == '.') parts.emplace_back();
  return parts;
}

// VALUE is a TOML value when it parses as one; anything else is taken as a plain string, so
// `--set trainer.stop=3 epoch` needs no TOML quotes inside the shell's.
Override parse_override(const std::string& arg) {
  const size_t eq = arg.find('=');
  TK_CHECK(eq != std::string::npos, ConfigError, "--set ", arg, ": expected KEY=VALUE, e.g. --set trainer.stop=\"3 epoch\"");
  Override o;
  o.key = trim(arg.substr(0, eq));
  o.path = split_dotted(o.key);
  const bool well_formed = !o.path.empty() && std::none_of(o.path.begin(), o.path.end(),
                                                           [](const std::string& p) { return p.empty(); });
  TK_CHECK(well_formed, ConfigError, "--set ", arg, ": KEY must be a dotted path such as data.batch_size");
  const std::string text = trim(arg.substr(eq + 1));
  if (std::optional<OptionValue> parsed = parse_option_value(text, override_pos())) {
    o.value = std::move(*parsed);
  } else {
    o.value.kind = Kind::kString;
    o.value.s = text;
    o.value.pos = override_pos();
  }
  o.value.key_pos = override_pos();
  return o;
}

// "extension.<instance name>...": the table of that instance, named as the manifest resolves names.
OptionValue& extension_table(OptionValue& root, const Override& o) {
  TK_CHECK(o.path.size() >= 3, ConfigError, "--set ", o.key, ": expected extension.<instance name>.<key>");
  OptionValue* array = mutable_field(root, "extension");
  std::vector<std::string> names;
  if (array && array->kind == Kind::kArray) names = resolve_instance_names(*array);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == o.path[1]) return array->items[i];
  throw ConfigError(str_cat("--set ", o.key, ": no extension named \"", o.path[1], "\"", did_you_mean(o.path[1], names),
                            names.empty() ? " (the manifest has no [[extension]])" : "; the extensions are " + name_list(names)));
}

void set_field(OptionValue& table, const std::string& key, OptionValue value) {
  if (OptionValue* existing = mutable_field(table, key)) {
    *existing = std::move(value);
    return;
  }
  table.fields.emplace_back(key, std::move(value));
}

// Writes the value into the tree; the checks that follow treat it like a key of the file, placed at "--set".
void apply_override(OptionValue& root, const Override& o) {
  OptionValue* table = &root;
  std::string walked;
  size_t first = 0;
  if (o.path[0] == "extension") {
    table = &extension_table(root, o);
    walked = "extension." + o.path[1];
    first = 2;
  }
  for (size_t i = first; i + 1 < o.path.size(); ++i) {
    walked = join(walked, o.path[i]);
    OptionValue* child = mutable_field(*table, o.path[i]);
    if (!child) {
      OptionValue created;
      created.kind = Kind::kTable;
      created.pos = created.key_pos = override_pos();
      table->fields.emplace_back(o.path[i], std::move(created));
      child = &table->fields.back().second;
    }
    TK_CHECK(child->kind == Kind::kTable, ConfigError, "--set ", o.key, ": ", walked, " is ",
             describe_kind(child->kind), ", not a table");
    table = child;
  }
  set_field(*table, o.path.back(), o.value);
}

}  // namespace

// -------------------------------------------------------------------------------------------------------------
// Shared helpers (manifest.h).

std::optional<OptionValue> parse_option_value(const std::string& text, const SourcePos& pos) {
  toml::table doc;
  try {
    doc = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  // "1\nw = 2" parses too, into two keys: that is not one value.
  const toml::node* node = doc.get("v");
  if (doc.size() != 1 || !node) return std::nullopt;
  try {
    return convert_node(*node, Placement{pos.file, pos}, "");
  } catch (const ConfigError&) {
    return std::nullopt;  // a date or a time
  }
}

[[noreturn]] void fail_at(const OptionValue& value, const std::string& key_path, const std::string& what) {
  throw ConfigError(str_cat(locate(value.pos, key_path), ": ", what));
}

const OptionValue* find_field(const OptionValue& table, const std::string& key) {
  for (const auto& [name, value] : table.fields)
    if (name == key) return &value;
  return nullptr;
}

double number_of(const OptionValue& value, const std::string& key_path) {
  if (value.kind == OptionValue::Kind::kInt) return static_cast<double>(value.i);
  expect_kind(value, key_path, OptionValue::Kind::kFloat);
  return value.f;
}

std::string locate(const SourcePos& pos, const std::string& key_path) {
  if (pos.file.empty()) return key_path;  // a value built in code, placed nowhere
  if (pos.line > 0 || pos.file != kOverrideFile) return key_path.empty() ? pos.str() : pos.str() + ": " + key_path;
  return key_path.empty() ? pos.file : pos.file + " " + key_path;
}

const char* describe_kind(OptionValue::Kind kind) {
  switch (kind) {
    case Kind::kBool: return "a boolean";
    case Kind::kInt: return "an integer";
    case Kind::kFloat: return "a float";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kTable: return "a table";
  }
  return "a value";
}

void expect_kind(const OptionValue& value, const std::string& key_path, OptionValue::Kind kind) {
  if (value.kind == kind) return;
  // Float keys take integers too, so the honest name of what they expect is "a number".
  const char* expected = kind == Kind::kFloat ? "a number" : describe_kind(kind);
  fail_at(value, key_path, str_cat("expected ", expected, ", got ", describe_kind(value.kind)));
}

void reject_unknown_keys(const OptionValue& table, const std::string& table_path,
                         const std::vector<std::string>& known) {
  for (const auto& [key, value] : table.fields) {
    if (contains(known, key)) continue;
    const bool is_section = table_path.empty() && (value.kind == Kind::kTable || value.kind == Kind::kArray);
    // An override names its whole key ("--set trainer.sotp"); the file names the table at the key's place.
    const bool from_override = value.key_pos.line == 0 && value.key_pos.file == kOverrideFile;
    const std::string place = locate(value.key_pos, from_override ? join(table_path, key) : table_path);
    throw ConfigError(str_cat(place, ": unknown ", is_section ? "table" : "key", " \"", key, "\"",
                              did_you_mean(key, known)));
  }
}

// -------------------------------------------------------------------------------------------------------------

Manifest parse_manifest(const std::string& text, const std::string& path, const std::vector<std::string>& overrides) {
  Manifest m;
  const fs::path absolute = fs::absolute(path).lexically_normal();
  m.path = absolute.string();
  m.dir = absolute.parent_path().string();
  m.text = text;
  m.overrides = overrides;
  OptionValue root = parse_document(text, path);
  for (const std::string& arg : overrides) apply_override(root, parse_override(arg));
  read_root(root, path, m);
  return m;
}

Manifest load_manifest(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  TK_CHECK(!fs::is_directory(path, ec), ConfigError, path, ": is a folder, not a manifest file");
  std::ifstream in(path, std::ios::binary);
  TK_CHECK(in.is_open(), ConfigError, path, ": cannot open the manifest: ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  TK_CHECK(!in.bad(), ConfigError, path, ": cannot read the manifest");
  return parse_manifest(text.str(), path, overrides);
}

}  // namespace trainkit
