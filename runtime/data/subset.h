// trainkit data: a source seen through a list of its rows, and the seeded split of one source in two.
//
//   auto [train_rows, val_rows] = data::split_rows(60000, /*fraction=*/0.1, /*seed=*/0);
//   auto base = std::shared_ptr<data::Source>(std::move(source));
//   data::SubsetSource train(base, train_rows), val(base, val_rows);
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "data/source.h"

namespace trainkit::data {

// Use to train or evaluate on some rows of a source (validation_split, train_limit, validation_limit).
class SubsetSource final : public Source {
 public:
  SubsetSource(std::shared_ptr<Source> base, std::vector<int64_t> rows);
  int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
  const std::vector<Field>& fields() const override { return base_->fields(); }
  void read(size_t field, int64_t index, void* out) const override;
  void read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const override;
  std::string origin() const override { return base_->origin(); }
  // The base's state: a subset has none of its own.
  void save_state(state::Visitor& v) const override { base_->save_state(v); }
  void load_state(state::Visitor& v) override { base_->load_state(v); }

 private:
  std::shared_ptr<Source> base_;
  std::vector<int64_t> rows_;
};

// The rows 0..n-1 split in two, each sorted: round(n * fraction) rows chosen by a Fisher-Yates shuffle of
// a std::mt19937_64 seeded with `seed` go to `second`, the rest to `first`. The same n, fraction and seed
// give the same split on every platform (the engine's sequence is fixed by the C++ standard; the shuffle
// is written here, not std::shuffle, whose algorithm is not). ConfigError unless both parts get a row.
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_rows(int64_t n, double fraction, uint64_t seed);

// The first min(limit, size) rows of `source` (all of them when limit is 0).
std::unique_ptr<Source> first_rows(std::unique_ptr<Source> source, int64_t limit);

}  // namespace trainkit::data
