// trainkit data: a data source is a random-access set of examples, each a set of named fields. Torch-free,
// so every reader compiles in seconds and can be fuzzed; runtime/torch/ wraps the collated buffers as
// tensors.
//
//   std::unique_ptr<data::Source> src = data::open_npy_dir("/data/train");   // x.npy, y.npy
//   src->size();                                   // examples
//   for (const data::Field& f : src->fields()) f.name, f.dtype, f.shape;   // shape of one example
//   std::vector<uint8_t> buf(src->fields()[0].example_bytes());
//   src->read(0, /*index=*/42, buf.data());        // example 42's first field
#pragma once

#include <dlpack/dlpack.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "state/visitor.h"

namespace trainkit::data {

// Use to describe one field of every example of a source.
struct Field {
  std::string name;              // "image", "label", "x", ...
  DLDataType dtype{};            // of the batch tensor (kDLFloat 32, kDLInt 64, ...)
  std::vector<int64_t> shape;    // of one example; {} for a scalar
  // The class names when the source defines them (image_folder's folders, csv's string labels): index i
  // of the field's integer value is class_names[i]. Empty otherwise.
  std::vector<std::string> class_names;

  size_t example_bytes() const;  // bytes of one example of this field
};

// Use as the one interface every format implements.
//
// Thread safety: read() may be called from several threads at once (the prefetch thread fills training
// batches while the main thread evaluates); every source here is immutable after construction, or
// serialises its reads itself.
class Source {
 public:
  virtual ~Source() = default;
  virtual int64_t size() const = 0;
  virtual const std::vector<Field>& fields() const = 0;
  // Copies field `field` (an index into fields()) of example `index` < size() into `out`, which holds
  // fields()[field].example_bytes() bytes. Throws ConfigError naming the file for data that turns out bad
  // only when read (a corrupt image, say).
  virtual void read(size_t field, int64_t index, void* out) const = 0;
  // Where the examples come from, for messages: "train.npz", "/data/train (image_folder)".
  virtual std::string origin() const = 0;

  // Fills out[f], one buffer per field of n * example_bytes() bytes, with the examples rows[0..n): the
  // batch's per-field buffers. The default reads field by field, example by example; a source that makes
  // a whole example or batch at once (a dataset plugin) overrides it.
  virtual void read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const;

  // The source's own state (a dataset plugin's), saved and loaded with the epoch order. File formats have
  // none: they save nothing and find nothing to load. load_state throws ResumeError to refuse a state.
  virtual void save_state(state::Visitor&) const {}
  virtual void load_state(state::Visitor&) {}
};

// Use for the two splits a run reads.
struct Splits {
  std::unique_ptr<Source> train;
  std::unique_ptr<Source> validation;  // null when there is no validation split
};

// The index of field `name`, or ConfigError naming the fields there are (with a did-you-mean).
size_t field_index(const Source& source, const std::string& name);

// The largest value of an integer field over every example (for the class count of a label field).
// ConfigError naming the field when its dtype is not an integer one.
int64_t largest_integer(const Source& source, size_t field);

// "float32", "int64", ... (state::dtype_name's spelling).
std::string dtype_text(DLDataType dtype);
// The DLPack dtypes data sources use.
constexpr DLDataType kFloat32{kDLFloat, 32, 1};
constexpr DLDataType kInt64{kDLInt, 64, 1};
constexpr DLDataType kUInt8{kDLUInt, 8, 1};

}  // namespace trainkit::data
