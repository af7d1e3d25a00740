// trainkit data: examples gathered into one contiguous buffer per field, ready to become batch tensors.
//
//   data::HostBatch b = data::collate(source, rows.data(), rows.size());
//   b.fields[0].field.name;  b.fields[0].bytes->size() == b.size * b.fields[0].field.example_bytes();
#pragma once

#include <memory>
#include <vector>

#include "data/source.h"

namespace trainkit::data {

// Use for one field of a batch: `size` examples back to back, row-major [size, field.shape...].
struct HostField {
  Field field;
  std::shared_ptr<std::vector<uint8_t>> bytes;
};

// Use for a batch before it becomes tensors: every field of the source, in the source's field order.
struct HostBatch {
  int64_t size = 0;
  std::vector<int64_t> rows;  // the source rows it holds, in order
  std::vector<HostField> fields;
};

// The examples rows[0..n) of `source`.
HostBatch collate(const Source& source, const int64_t* rows, int64_t n);
// The examples start, start + 1, ..., start + n - 1.
HostBatch collate_range(const Source& source, int64_t start, int64_t n);

}  // namespace trainkit::data
