// trainkit data: the training and validation sources a manifest's [data] section names, with the
// validation_split, limits and class maps applied. Torch-free: the reader that needs more than this folder
// (a dataset plugin, which needs the loaded plugins) is handed in.
//
//   data::Openers openers;
//   openers.plugin = [&](const DataConfig& c) { return data::open_plugin_splits(c, registry, host, out); };
//   data::Splits s = data::open_splits(manifest.data, seed, openers);
//   s.train->size();  s.validation;   // null without a validation split
//   data::write_class_maps(*s.train, out_dir);   // out/classes_<field>.json for csv / image_folder labels
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "data/source.h"
#include "manifest/manifest.h"

namespace trainkit::data {

// Readers from outside this folder, each needed only by its format.
struct Openers {
  // format "plugin": the splits data.train and data.validation from the dataset class data.plugin.
  std::function<Splits(const DataConfig& config)> plugin;
};

// Opens the splits; every ConfigError is prefixed with the [data] section's place and the key of the
// split ("manifest.toml:9:1: data.train: /d/train.npz: ..."). Checks that validation has the training
// fields with the same dtypes and shapes.
Splits open_splits(const DataConfig& config, uint64_t seed, const Openers& openers);

// Writes out_dir/classes_<field>.json, a JSON list of the class names in index order, for every field of
// `source` that has class names. Returns the files written.
std::vector<std::string> write_class_maps(const Source& source, const std::string& out_dir);

// "float32 [1, 28, 28]" per field: "image float32 [1, 28, 28], label int64 []".
std::string describe_fields(const Source& source);

}  // namespace trainkit::data
