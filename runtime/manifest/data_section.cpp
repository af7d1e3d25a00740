// [data]: where the IDX files are, which splits, and how they are batched.
#include "core/error.h"
#include "manifest/limits.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"

namespace trainkit {

void read_data(const OptionValue& table, const std::string& dir, DataConfig& d) {
  TableReader r(table, "data");
  d.pos = table.pos;
  if (r.read("format", d.format))
    r.require(d.format == "idx", "format",
              str_cat("unsupported format \"", d.format, "\"; only \"idx\" (MNIST-family IDX files) is read"));
  d.root_pos = table.pos;
  if (r.read("root", d.root)) {
    r.require(!d.root.empty(), "root", "must not be empty");
    d.root_pos = r.find("root")->pos;
  }
  if (r.read("train", d.train)) r.require(!d.train.empty(), "train", "must name the training files' stem");
  r.read("validation", d.validation);  // empty: no validation split
  if (r.read("batch_size", d.batch_size))
    r.require(d.batch_size > 0 && d.batch_size <= kMaxBatchSize, "batch_size",
              str_cat("must be in [1, ", kMaxBatchSize, "], got ", d.batch_size));
  r.read("shuffle", d.shuffle);
  if (r.read("train_limit", d.train_limit)) r.require(d.train_limit >= 0, "train_limit", "must be >= 0 (0 = all)");
  if (r.read("validation_limit", d.validation_limit))
    r.require(d.validation_limit >= 0, "validation_limit", "must be >= 0 (0 = all)");
  r.finish();
  d.root = absolute_from(dir, d.root);
}

}  // namespace trainkit
