// trainkit data: a source whose every field is one row-major array with the examples along its first
// dimension, in memory or memory-mapped. Most formats end here: npy, npz, tensors, csv, idx.
//
//   std::vector<uint8_t> xs = ...;                                    // 100 * 3 float32
//   data::Array x = data::owned_array({"x", data::kFloat32, {3}}, std::move(xs), 100);
//   data::ArraySource src("train.npz", {std::move(x), std::move(y)}); // ConfigError if counts differ
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/source.h"

namespace trainkit::data {

// Use for one field's examples: `records` examples of field.example_bytes() bytes each at `bytes`,
// kept alive by `owner` (a vector, a file mapping, ...).
struct Array {
  // How a stored example becomes the field's bytes.
  enum class Convert {
    kCopy,       // stored as field.dtype
    kUnitFloat,  // stored as uint8 0..255, read as float32 value / 255 (IDX images)
  };
  Field field;
  const uint8_t* bytes = nullptr;
  int64_t records = 0;
  Convert convert = Convert::kCopy;
  std::shared_ptr<const void> owner;
};

// An Array owning `bytes` (records * field.example_bytes() of them, checked).
Array owned_array(Field field, std::vector<uint8_t> bytes, int64_t records);

// Use as the Source over a set of arrays of the same length.
class ArraySource final : public Source {
 public:
  // ConfigError naming `origin` and the fields when the arrays differ in length, a name repeats or
  // there is no array at all.
  ArraySource(std::string origin, std::vector<Array> arrays);

  int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  void read(size_t field, int64_t index, void* out) const override;
  std::string origin() const override { return origin_; }

 private:
  std::string origin_;
  std::vector<Array> arrays_;
  std::vector<Field> fields_;
  int64_t size_ = 0;
};

}  // namespace trainkit::data
