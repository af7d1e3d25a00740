#include "trainer/scalar_view.h"

#include <cstring>

namespace trainkit {

PairsView::PairsView(const ScalarPairs* items) : items_(items) {
  view_.struct_size = sizeof(tk_scalar_view);
  view_.ctx = this;
  view_.size = &size;
  view_.key = &key;
  view_.value = &value;
  view_.find = &find;
}

const ScalarPairs& PairsView::items_of(const tk_scalar_view* v) {
  static const ScalarPairs kEmpty;
  const PairsView* self = static_cast<const PairsView*>(v->ctx);
  return self->items_ ? *self->items_ : kEmpty;
}

size_t PairsView::size(const tk_scalar_view* v) { return items_of(v).size(); }

const char* PairsView::key(const tk_scalar_view* v, size_t i) {
  const auto& items = items_of(v);
  return i < items.size() ? items[i].first.c_str() : "";
}

double PairsView::value(const tk_scalar_view* v, size_t i) {
  const auto& items = items_of(v);
  return i < items.size() ? items[i].second : 0.0;
}

tk_status PairsView::find(const tk_scalar_view* v, const char* key, double* out) {
  if (key == nullptr || out == nullptr) return TK_ERR_INVALID;
  for (const auto& kv : items_of(v))
    if (std::strcmp(kv.first.c_str(), key) == 0) {
      *out = kv.second;
      return TK_OK;
    }
  return TK_NOT_FOUND;
}

}  // namespace trainkit
