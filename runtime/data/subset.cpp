#include "data/subset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"

namespace trainkit::data {

SubsetSource::SubsetSource(std::shared_ptr<Source> base, std::vector<int64_t> rows)
    : base_(std::move(base)), rows_(std::move(rows)) {
  for (int64_t r : rows_) TK_INTERNAL_ASSERT(r >= 0 && r < base_->size());
}

void SubsetSource::read(size_t field, int64_t index, void* out) const {
  base_->read(field, rows_.at(static_cast<size_t>(index)), out);
}

void SubsetSource::read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const {
  std::vector<int64_t> base_rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) base_rows[static_cast<size_t>(i)] = rows_.at(static_cast<size_t>(rows[i]));
  base_->read_rows(base_rows.data(), n, out);
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> split_rows(int64_t n, double fraction, uint64_t seed) {
  TK_CHECK(fraction > 0 && fraction < 1, ConfigError, "data.validation_split must be between 0 and 1, got ", fraction);
  const auto k = static_cast<int64_t>(std::llround(static_cast<double>(n) * fraction));
  TK_CHECK(k >= 1 && k < n, ConfigError, "data.validation_split = ", fraction, " of ", n,
           " examples leaves ", k, " for validation and ", n - k, " for training; both need at least one");
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  std::mt19937_64 engine(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(engine() % static_cast<uint64_t>(i + 1));
    std::swap(rows[static_cast<size_t>(i)], rows[static_cast<size_t>(j)]);
  }
  std::vector<int64_t> second(rows.begin(), rows.begin() + k);
  std::vector<int64_t> first(rows.begin() + k, rows.end());
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  return {std::move(first), std::move(second)};
}

std::unique_ptr<Source> first_rows(std::unique_ptr<Source> source, int64_t limit) {
  if (limit <= 0 || limit >= source->size()) return source;
  std::vector<int64_t> rows(static_cast<size_t>(limit));
  std::iota(rows.begin(), rows.end(), 0);
  return std::make_unique<SubsetSource>(std::shared_ptr<Source>(std::move(source)), std::move(rows));
}

}  // namespace trainkit::data
