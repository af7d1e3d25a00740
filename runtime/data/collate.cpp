#include "data/collate.h"

#include <numeric>

namespace trainkit::data {

HostBatch collate(const Source& source, const int64_t* rows, int64_t n) {
  HostBatch b;
  b.size = n;
  b.rows.assign(rows, rows + n);
  std::vector<uint8_t*> buffers;
  for (const Field& field : source.fields()) {
    auto bytes = std::make_shared<std::vector<uint8_t>>(field.example_bytes() * static_cast<size_t>(n));
    buffers.push_back(bytes->data());
    b.fields.push_back({field, std::move(bytes)});
  }
  source.read_rows(rows, n, buffers);
  return b;
}

HostBatch collate_range(const Source& source, int64_t start, int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), start);
  return collate(source, rows.data(), n);
}

}  // namespace trainkit::data
