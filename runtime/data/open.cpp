#include "data/open.h"

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/json.hpp>

#include <algorithm>

#include "core/error.h"
#include "core/name_list.h"
#include "data/csv.h"
#include "data/idx.h"
#include "data/image_folder.h"
#include "data/npy.h"
#include "data/npz.h"
#include "data/subset.h"
#include "data/tensors.h"
#include "state/dl_tensor.h"

namespace trainkit::data {
namespace {

std::string place_of(const DataConfig& c) { return c.pos.file.empty() ? "" : c.pos.str() + ": "; }

// Runs `open` with its ConfigErrors placed at [data] and `key`.
template <class Open>
auto placed(const DataConfig& c, const std::string& key, Open&& open) -> decltype(open()) {
  try {
    return open();
  } catch (const ConfigError& e) {
    throw ConfigError(str_cat(place_of(c), key, ": ", e.what()));
  }
}

std::unique_ptr<Source> open_file(const DataConfig& c, const std::string& path, const Source* train) {
  if (c.format == "idx") return open_idx(c.root, path, 0);
  if (c.format == "npz") return open_npz(path);
  if (c.format == "npy") return open_npy_dir(path);
  if (c.format == "tensors") return open_tensors(path);
  TK_INTERNAL_ASSERT(c.format == "image_folder");
  ImageFolderOptions o;
  if (!c.size.empty()) o.size = std::array<int64_t, 2>{c.size[0], c.size[1]};
  o.channels = static_cast<int>(c.channels);
  return open_image_folder(path, o, train);
}

Splits open_files(const DataConfig& c, const Openers& openers) {
  if (c.format == "plugin") {
    TK_INTERNAL_ASSERT(openers.plugin);
    return openers.plugin(c);
  }
  if (c.format == "csv") {
    CsvOptions o;
    for (const auto& f : c.fields) o.fields.push_back({f.field, f.columns, f.shape});
    o.dtypes = c.dtypes;
    return placed(c, "data", [&] { return open_csv(o, c.train, c.validation); });
  }
  Splits s;
  // IDX reads only the first train_limit records (for .gz, decompresses only them).
  if (c.format == "idx") {
    s.train = placed(c, "data.train", [&] { return open_idx(c.root, c.train, c.train_limit); });
    if (!c.validation.empty())
      s.validation = placed(c, "data.validation", [&] { return open_idx(c.root, c.validation, c.validation_limit); });
    return s;
  }
  s.train = placed(c, "data.train", [&] { return open_file(c, c.train, nullptr); });
  if (!c.validation.empty())
    s.validation = placed(c, "data.validation", [&] { return open_file(c, c.validation, s.train.get()); });
  return s;
}

void check_same_fields(const DataConfig& c, const Source& train, const Source& validation) {
  for (const Field& f : train.fields()) {
    const Field* v = nullptr;
    for (const Field& g : validation.fields())
      if (g.name == f.name) v = &g;
    TK_CHECK(v != nullptr, ConfigError, place_of(c), "data.validation: ", validation.origin(), " has no field \"",
             f.name, "\", which ", train.origin(), " has");
    TK_CHECK(state::same_dtype(v->dtype, f.dtype) && v->shape == f.shape, ConfigError, place_of(c),
             "data.validation: field \"", f.name, "\" is ", dtype_text(v->dtype), " ", state::shape_text(v->shape),
             " per example in ", validation.origin(), " but ", dtype_text(f.dtype), " ", state::shape_text(f.shape),
             " in ", train.origin());
  }
}

}  // namespace

Splits open_splits(const DataConfig& c, uint64_t seed, const Openers& openers) {
  // A manifest file was checked when read; a DataConfig built in code is checked here.
  TK_CHECK(std::find(kDataFormats.begin(), kDataFormats.end(), c.format) != kDataFormats.end(), ConfigError,
           place_of(c), "data.format \"", c.format, "\" is not one of ", name_list(kDataFormats, Quoted::kYes));
  Splits s = open_files(c, openers);
  if (c.validation_split > 0) {
    TK_INTERNAL_ASSERT(!s.validation);
    auto [train_rows, validation_rows] =
        placed(c, "data.validation_split", [&] { return split_rows(s.train->size(), c.validation_split, seed); });
    std::shared_ptr<Source> all(std::move(s.train));
    s.train = std::make_unique<SubsetSource>(all, std::move(train_rows));
    s.validation = std::make_unique<SubsetSource>(all, std::move(validation_rows));
  }
  if (c.format != "idx") {  // idx applied its limits while reading
    s.train = first_rows(std::move(s.train), c.train_limit);
    if (s.validation) s.validation = first_rows(std::move(s.validation), c.validation_limit);
  }
  if (s.validation) check_same_fields(c, *s.train, *s.validation);
  return s;
}

std::vector<std::string> write_class_maps(const Source& source, const std::string& out_dir) {
  std::vector<std::string> written;
  for (const Field& f : source.fields()) {
    if (f.class_names.empty()) continue;
    tk::json::Value names = tk::json::Value::array();
    for (const std::string& n : f.class_names) names.push_back(n);
    const std::string path = out_dir + "/classes_" + f.name + ".json";
    try {
      tk::write_file_atomically(path, tk::json::dump(names, 2) + "\n");
    } catch (const tk::Error& e) {
      throw TrainingError(e.what());
    }
    written.push_back(path);
  }
  return written;
}

std::string describe_fields(const Source& source) {
  std::string out;
  for (const Field& f : source.fields())
    out += str_cat(out.empty() ? "" : ", ", f.name, " ", dtype_text(f.dtype), " ", state::shape_text(f.shape));
  return out;
}

}  // namespace trainkit::data
