// trainkit state: what the state code needs to know about a DLTensor: its dtype's name, its byte size,
// and whether its memory is one compact run of host bytes it can copy or write out as is.
//
//   const uint8_t* p = state::host_bytes(t, "model/0.weight");   // throws unless contiguous host memory
//   size_t n = state::tensor_nbytes(t.dtype, shape);             // checked against overflow
//   std::string s = state::dtype_name(t.dtype) + " " + state::shape_text(shape);  // "float32 [3, 4]"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <dlpack/dlpack.h>

namespace trainkit::state {

// A named function, not operator==: DLDataType is a global C struct, and ADL would not find our operator.
bool same_dtype(DLDataType a, DLDataType b);

// "float32", "int64", "uint8", "bfloat16", "complex64"; vector types get "x<lanes>"; unknown codes "dtype(c,b,l)".
std::string dtype_name(DLDataType dtype);
// "[3, 4]"; a scalar tensor is "[]".
std::string shape_text(const std::vector<int64_t>& shape);

// The byte size of a compact tensor of this dtype and shape, or SIZE_MAX when a dimension is negative, the
// element is not a whole number of bytes, or the product overflows: callers treat SIZE_MAX as invalid.
size_t tensor_nbytes(DLDataType dtype, const std::vector<int64_t>& shape);

std::vector<int64_t> tensor_shape(const DLTensor& t);

// The first byte of `t`, after checking that it lives in host memory (CPU or pinned) as one compact
// row-major run (strides NULL or equal to the compact ones; size-1 dimensions may have any stride).
// Throws trainkit::TrainingError naming `key` otherwise. `nbytes` receives the run's length.
const uint8_t* host_bytes(const DLTensor& t, const std::string& key, size_t& nbytes);

}  // namespace trainkit::state
