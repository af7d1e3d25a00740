#include "data/array_source.h"

#include <cstring>

#include "core/error.h"

namespace trainkit::data {

Array owned_array(Field field, std::vector<uint8_t> bytes, int64_t records) {
  TK_INTERNAL_ASSERT(records >= 0 && bytes.size() == static_cast<size_t>(records) * field.example_bytes());
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  Array a;
  a.field = std::move(field);
  a.bytes = owner->data();
  a.records = records;
  a.owner = std::move(owner);
  return a;
}

ArraySource::ArraySource(std::string origin, std::vector<Array> arrays)
    : origin_(std::move(origin)), arrays_(std::move(arrays)) {
  TK_CHECK(!arrays_.empty(), ConfigError, origin_, ": holds no field");
  size_ = arrays_.front().records;
  for (const Array& a : arrays_) {
    for (const Field& f : fields_)
      TK_CHECK(f.name != a.field.name, ConfigError, origin_, ": field \"", a.field.name, "\" appears twice");
    TK_CHECK(a.records == size_, ConfigError, origin_, ": field \"", a.field.name, "\" has ", a.records,
             " examples but field \"", arrays_.front().field.name, "\" has ", size_,
             " (every field needs one entry per example)");
    TK_INTERNAL_ASSERT(a.convert != Array::Convert::kUnitFloat || a.field.dtype.code == kDLFloat);
    fields_.push_back(a.field);
  }
  TK_CHECK(size_ > 0, ConfigError, origin_, ": no examples");
}

void ArraySource::read(size_t field, int64_t index, void* out) const {
  const Array& a = arrays_.at(field);
  TK_INTERNAL_ASSERT(index >= 0 && index < size_);
  if (a.convert == Array::Convert::kCopy) {
    const size_t n = a.field.example_bytes();
    std::memcpy(out, a.bytes + static_cast<size_t>(index) * n, n);
    return;
  }
  // kUnitFloat: one stored byte per float. Division (not multiplication by 1/255) is what
  // Tensor::div_(255) computes, so a batch holds the same floats as when LibTorch converted it.
  const size_t n = a.field.example_bytes() / sizeof(float);
  const uint8_t* in = a.bytes + static_cast<size_t>(index) * n;
  auto* f = static_cast<float*>(out);
  for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>(in[i]) / 255.0f;
}

}  // namespace trainkit::data
