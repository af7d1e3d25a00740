#include "torchfile/value.h"

#include <cstring>

#include "core/error.h"
#include "state/dl_tensor.h"

namespace trainkit::torchfile {
namespace {

size_t element_size(DLDataType dtype) { return size_t{dtype.bits} * dtype.lanes / 8; }

// Copies dimension `dim` and those inside it; `from` is the byte offset of the first element in the storage.
void copy_dims(const TensorView& t, size_t dim, uint64_t from, uint8_t*& out) {
  const size_t element = element_size(t.dtype);
  const auto size = static_cast<uint64_t>(t.shape[dim]);
  const uint64_t step = static_cast<uint64_t>(t.strides[dim]) * element;
  if (dim + 1 == t.shape.size()) {
    if (step == element) {  // the innermost run is contiguous: one copy
      std::memcpy(out, t.storage + from, size * element);
      out += size * element;
      return;
    }
    for (uint64_t i = 0; i < size; ++i, out += element) std::memcpy(out, t.storage + from + i * step, element);
    return;
  }
  for (uint64_t i = 0; i < size; ++i) copy_dims(t, dim + 1, from + i * step, out);
}

}  // namespace

uint64_t TensorView::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

uint64_t TensorView::nbytes() const { return numel() * element_size(dtype); }

std::vector<int64_t> compact_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 1 ? shape[i] : 1;
  }
  return strides;
}

bool TensorView::is_compact() const {
  if (numel() == 0) return true;
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

void TensorView::copy_compact(uint8_t* out) const {
  const uint64_t n = nbytes();
  if (n == 0) return;
  const uint64_t first = static_cast<uint64_t>(offset) * element_size(dtype);
  if (is_compact()) {
    std::memcpy(out, storage + first, n);
    return;
  }
  copy_dims(*this, 0, first, out);
}

uint64_t max_copied_bytes(uint64_t file_size) { return 16 * file_size + (uint64_t{256} << 20); }

const Value* Value::find(std::string_view key) const {
  if (kind != Kind::dict) return nullptr;
  for (const auto& [k, v] : entries)
    if (k.kind == Kind::string && k.string == key) return &v;
  return nullptr;
}

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::none: return "None";
    case Value::Kind::boolean: return "bool";
    case Value::Kind::integer: return "int";
    case Value::Kind::floating: return "float";
    case Value::Kind::string: return "str";
    case Value::Kind::list: return "list";
    case Value::Kind::tuple: return "tuple";
    case Value::Kind::dict: return "dict";
    case Value::Kind::tensor: return "tensor";
  }
  return "?";
}

std::string key_text(const Value& key) {
  if (key.kind == Value::Kind::string) return key.string;
  if (key.kind == Value::Kind::integer) return std::to_string(key.integer);
  return str_cat("<", kind_name(key.kind), ">");
}

std::string summary(const Value& value) {
  constexpr size_t kNamedKeys = 8;
  auto count = [](size_t n, const char* one) { return str_cat(n, " ", one, n == 1 ? "" : "s"); };
  switch (value.kind) {
    case Value::Kind::none: return "None";
    case Value::Kind::boolean: return "a bool";
    case Value::Kind::integer: return "an int";
    case Value::Kind::floating: return "a float";
    case Value::Kind::string: return "a str";
    case Value::Kind::list: return "a list of " + count(value.items.size(), "item");
    case Value::Kind::tuple: return "a tuple of " + count(value.items.size(), "item");
    case Value::Kind::tensor:
    {
      const std::string dtype = state::dtype_name(value.tensor.dtype);
      return str_cat(dtype.rfind("int", 0) == 0 ? "an " : "a ", dtype, " ", state::shape_text(value.tensor.shape),
                     " tensor");
    }
    case Value::Kind::dict: {
      const char* what = value.ordered ? "OrderedDict" : "dict";
      if (value.entries.empty()) return str_cat("an empty ", what);
      std::string keys;
      for (size_t i = 0; i < value.entries.size() && i < kNamedKeys; ++i)
        keys += (i ? ", " : "") + key_text(value.entries[i].first);
      if (value.entries.size() > kNamedKeys) keys += str_cat(", ... (", value.entries.size(), " keys)");
      return str_cat(value.ordered ? "an " : "a ", what, " with ", value.entries.size() == 1 ? "key " : "keys ", keys);
    }
  }
  return "?";
}

}  // namespace trainkit::torchfile
