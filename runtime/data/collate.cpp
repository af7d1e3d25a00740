#include "data/collate.h"

#include <numeric>

namespace trainkit::data {

HostBatch collate(const Source& source, const int64_t* rows, int64_t n) {
  HostBatch b;
  b.size = n;
  b.rows.assign(rows, rows + n);
  for (size_t f = 0; f < source.fields().size(); ++f) {
    const Field& field = source.fields()[f];
    const size_t stride = field.example_bytes();
    auto bytes = std::make_shared<std::vector<uint8_t>>(stride * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) source.read(f, rows[i], bytes->data() + static_cast<size_t>(i) * stride);
    b.fields.push_back({field, std::move(bytes)});
  }
  return b;
}

HostBatch collate_range(const Source& source, int64_t start, int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), start);
  return collate(source, rows.data(), n);
}

}  // namespace trainkit::data
