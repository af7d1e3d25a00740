#include "state/leaf_view.h"

#include <type_traits>

namespace trainkit::state {

static_assert(sizeof(bool) == 1, "a bool leaf is stored as one byte");

LeafView view_of(const Leaf& leaf) {
  return std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        LeafView view;
        if constexpr (std::is_same_v<T, int64_t>) {
          view.type = LeafType::kInt64;
          view.data = &v;
          view.size = sizeof v;
        } else if constexpr (std::is_same_v<T, double>) {
          view.type = LeafType::kFloat64;
          view.data = &v;
          view.size = sizeof v;
        } else if constexpr (std::is_same_v<T, bool>) {
          view.type = LeafType::kBool;
          view.data = &v;
          view.size = 1;
        } else if constexpr (std::is_same_v<T, std::string>) {
          view.type = LeafType::kString;
          view.data = v.data();
          view.size = v.size();
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          view.type = LeafType::kBytes;
          view.data = v.data();
          view.size = v.size();
        } else {
          view.type = LeafType::kTensor;
          view.dtype = v.dtype;
          view.shape = v.shape;
          view.data = v.data.data();
          view.size = v.data.size();
        }
        return view;
      },
      leaf);
}

}  // namespace trainkit::state
