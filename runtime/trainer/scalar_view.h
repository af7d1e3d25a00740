// trainkit trainer: a tk_scalar_view over an ordered list of (key, value) pairs owned by the host.
//
//   PairsView view(observation.items());
//   ctx.observation = view.raw();
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <trainkit/abi.h>

namespace trainkit {

using ScalarPairs = std::vector<std::pair<std::string, double>>;

// Use to lend a list of scalars to a plugin for one call; the list must outlive the view's use.
class PairsView {
 public:
  explicit PairsView(const ScalarPairs* items = nullptr);
  PairsView(const PairsView&) = delete;
  PairsView& operator=(const PairsView&) = delete;
  void reset(const ScalarPairs* items) { items_ = items; }
  const tk_scalar_view* raw() const { return &view_; }

 private:
  static size_t size(const tk_scalar_view* v);
  static const char* key(const tk_scalar_view* v, size_t i);
  static double value(const tk_scalar_view* v, size_t i);
  static tk_status find(const tk_scalar_view* v, const char* key, double* out);
  static const ScalarPairs& items_of(const tk_scalar_view* v);

  const ScalarPairs* items_;
  tk_scalar_view view_{};
};

}  // namespace trainkit
