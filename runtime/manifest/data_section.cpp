// [data]: which format, which files, how they are split and batched. Format-dependent keys are refused
// under every other format, so a key that would do nothing is an error rather than silently ignored.
#include <algorithm>

#include "core/error.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

// The keys only some formats read.
struct FormatKey {
  const char* key;
  std::vector<std::string> formats;
};
const std::vector<FormatKey> kFormatKeys = {
    {"size", {"image_folder"}},
    {"channels", {"image_folder"}},
    {"fields", {"csv"}},
    {"dtypes", {"csv"}},
    {"plugin", {"plugin"}},
    {"options", {"plugin"}},
};

// The column names of a [data.fields] list.
std::vector<std::string> column_list(const OptionValue& value, const std::string& key) {
  expect_kind(value, key, Kind::kArray);
  if (value.items.empty()) fail_at(value, key, "must name at least one column");
  std::vector<std::string> columns;
  for (size_t i = 0; i < value.items.size(); ++i) {
    expect_kind(value.items[i], str_cat(key, "[", i, "]"), Kind::kString);
    columns.push_back(value.items[i].s);
  }
  return columns;
}

// [data.fields]: `name = "column"`, `name = ["c1", "c2"]` or `name = { columns = [...], shape = [...] }`.
void read_fields(TableReader& r, DataConfig& d) {
  const OptionValue* table = r.find("fields");
  if (!table) return;
  const std::string path = r.path_of("fields");
  expect_kind(*table, path, Kind::kTable);
  for (const auto& [name, value] : table->fields) {
    DataConfig::Columns c;
    c.field = name;
    const std::string key = dotted(path, name);
    if (value.kind == Kind::kString) {
      c.columns = {value.s};
    } else if (value.kind == Kind::kArray) {
      c.columns = column_list(value, key);
      c.shape = {static_cast<int64_t>(c.columns.size())};
    } else {
      expect_kind(value, key, Kind::kTable);
      TableReader field(value, key);
      const OptionValue* columns = field.find("columns");
      if (!columns) fail_at(value, key, "needs columns = [...], the columns of the field");
      c.columns = column_list(*columns, field.path_of("columns"));
      if (field.read("shape", c.shape)) {
        int64_t product = 1;
        for (int64_t n : c.shape) product = n > 0 ? product * n : 0;
        field.require(product == static_cast<int64_t>(c.columns.size()), "shape",
                      str_cat("must hold as many numbers as there are columns (", c.columns.size(), ")"));
      } else {
        c.shape = {static_cast<int64_t>(c.columns.size())};
      }
      field.finish();
    }
    d.fields.push_back(std::move(c));
  }
}

// [data.dtypes]: `name = "float32" | "float64" | "int64"`.
void read_dtypes(TableReader& r, DataConfig& d) {
  const OptionValue* table = r.find("dtypes");
  if (!table) return;
  const std::string path = r.path_of("dtypes");
  expect_kind(*table, path, Kind::kTable);
  for (const auto& [name, value] : table->fields) {
    expect_kind(value, dotted(path, name), Kind::kString);
    require_choice(value, dotted(path, name), value.s, {"float32", "float64", "int64"});
    d.dtypes.emplace_back(name, value.s);
  }
}

// [data.options]: the dataset class's own options, checked against what it declares when it is created.
void read_options(TableReader& r, DataConfig& d) {
  const OptionValue* table = r.find("options");
  if (!table) return;
  expect_kind(*table, r.path_of("options"), Kind::kTable);
  d.options = table->fields;
}

}  // namespace

void read_data(const OptionValue& table, const std::string& dir, DataConfig& d) {
  TableReader r(table, "data");
  d.pos = table.pos;
  if (r.read("format", d.format)) r.require_choice("format", d.format, kDataFormats);
  const bool idx = d.format == "idx";
  for (const FormatKey& k : kFormatKeys)
    if (find_field(table, k.key) && std::find(k.formats.begin(), k.formats.end(), d.format) == k.formats.end())
      r.require(false, k.key, str_cat("applies only to format \"", k.formats.front(), "\", not \"", d.format, "\""));

  const bool root_given = r.read("root", d.root);
  if (root_given) r.require(!d.root.empty(), "root", "must not be empty");
  const bool train_given = r.read("train", d.train);
  if (train_given) r.require(!d.train.empty(), "train", idx ? "must name the training files' stem" : "must name the training data");
  const bool validation_given = r.read("validation", d.validation);  // empty: no validation split
  if (r.read("validation_split", d.validation_split)) {
    r.require(d.validation_split > 0 && d.validation_split < 1, "validation_split",
              "must be between 0 and 1 (the fraction of the training examples that validates)");
    r.require(!validation_given || d.validation.empty(), "validation_split",
              "cannot be used together with data.validation (one validation split only)");
    d.validation.clear();
  }
  if (r.read("batch_size", d.batch_size)) r.require(d.batch_size > 0, "batch_size", "must be > 0");
  if (r.read("eval_batch_size", d.eval_batch_size)) r.require(d.eval_batch_size > 0, "eval_batch_size", "must be > 0");
  r.read("shuffle", d.shuffle);
  if (r.read("train_limit", d.train_limit)) r.require(d.train_limit >= 0, "train_limit", "must be >= 0 (0 = all)");
  if (r.read("validation_limit", d.validation_limit))
    r.require(d.validation_limit >= 0, "validation_limit", "must be >= 0 (0 = all)");
  if (r.read("prefetch", d.prefetch))
    r.require(d.prefetch >= 0 && d.prefetch <= 64, "prefetch", "must be between 0 (no background thread) and 64");
  if (r.read("size", d.size))
    r.require(d.size.size() == 2 && d.size[0] > 0 && d.size[1] > 0, "size", "must be [H, W], two positive numbers");
  if (r.read("channels", d.channels)) r.require(d.channels == 1 || d.channels == 3, "channels", "must be 1 or 3");
  read_fields(r, d);
  read_dtypes(r, d);
  if (r.read("plugin", d.plugin)) r.require(!d.plugin.empty(), "plugin", "must name a dataset class");
  read_options(r, d);
  r.finish();

  if (d.format == "plugin")
    TK_CHECK(!d.plugin.empty(), ConfigError, locate(table.pos, "data"),
             ": format \"plugin\" needs data.plugin, the dataset class to use");
  if (idx) {
    d.root = absolute_from(dir, d.root);
    return;
  }
  // Every other format: no IDX stems, and paths are relative to `root`, itself relative to the manifest.
  d.root = root_given ? absolute_from(dir, d.root) : dir;
  if (!validation_given) d.validation.clear();
  if (d.format == "plugin") {
    if (!train_given) d.train = "train";  // split names the dataset class is asked for
    return;
  }
  TK_CHECK(train_given, ConfigError, locate(table.pos, "data"), ": format \"", d.format,
           "\" needs data.train, the training ", d.format == "npy" || d.format == "image_folder" ? "folder" : "file");
  d.train = absolute_from(d.root, d.train);
  if (!d.validation.empty()) d.validation = absolute_from(d.root, d.validation);
}

}  // namespace trainkit
