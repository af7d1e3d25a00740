#include "state/dl_tensor.h"

#include <limits>

#include "core/error.h"

namespace trainkit::state {

bool same_dtype(DLDataType a, DLDataType b) {
  return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
}

std::string dtype_name(DLDataType dtype) {
  const char* base = nullptr;
  switch (dtype.code) {
    case kDLInt: base = "int"; break;
    case kDLUInt: base = "uint"; break;
    case kDLFloat: base = "float"; break;
    case kDLBfloat: base = "bfloat"; break;
    case kDLComplex: base = "complex"; break;
    case 6: base = "bool"; break;  // kDLBool in DLPack >= 0.8; Debian's 0.6 lacks the name, not the code.
    default: break;
  }
  if (base == nullptr)
    return str_cat("dtype(", int(dtype.code), ",", int(dtype.bits), ",", int(dtype.lanes), ")");
  std::string name = dtype.code == 6 && dtype.bits == 8 ? std::string(base) : str_cat(base, int(dtype.bits));
  if (dtype.lanes != 1) name += str_cat("x", dtype.lanes);
  return name;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

size_t tensor_nbytes(DLDataType dtype, const std::vector<int64_t>& shape) {
  constexpr size_t kInvalid = std::numeric_limits<size_t>::max();
  size_t element_bits = size_t{dtype.bits} * dtype.lanes;
  if (element_bits == 0 || element_bits % 8 != 0) return kInvalid;  // sub-byte packing is not supported
  size_t n = element_bits / 8;
  for (int64_t d : shape) {
    if (d < 0) return kInvalid;
    if (d != 0 && n > (kInvalid - 1) / static_cast<size_t>(d)) return kInvalid;
    n *= static_cast<size_t>(d);
  }
  return n;
}

std::vector<int64_t> tensor_shape(const DLTensor& t) {
  if (t.ndim <= 0 || t.shape == nullptr) return {};
  return std::vector<int64_t>(t.shape, t.shape + t.ndim);
}

const uint8_t* host_bytes(const DLTensor& t, const std::string& key, size_t& nbytes) {
  // Pinned host memory (kDLCUDAHost) is ordinary host memory to us: snapshot writers stage into it.
  TK_CHECK(t.device.device_type == kDLCPU || t.device.device_type == kDLCUDAHost, TrainingError, "state key '",
           key, "': tensor is on device type ", int(t.device.device_type), ", only host tensors can be visited");
  TK_CHECK(t.ndim >= 0 && (t.ndim == 0 || t.shape != nullptr), TrainingError, "state key '", key,
           "': malformed DLTensor (ndim ", t.ndim, ")");
  std::vector<int64_t> shape = tensor_shape(t);
  nbytes = tensor_nbytes(t.dtype, shape);
  TK_CHECK(nbytes != std::numeric_limits<size_t>::max(), TrainingError, "state key '", key, "': tensor ",
           dtype_name(t.dtype), " ", shape_text(shape), " has no valid byte size");
  if (t.strides != nullptr && nbytes != 0) {
    int64_t expected = 1;
    for (int i = t.ndim - 1; i >= 0; --i) {
      TK_CHECK(shape[i] == 1 || t.strides[i] == expected, TrainingError, "state key '", key,
               "': tensor is not contiguous (make it contiguous before visiting)");
      expected *= shape[i];
    }
  }
  TK_CHECK(t.data != nullptr || nbytes == 0, TrainingError, "state key '", key, "': tensor has no data");
  if (t.data == nullptr) return nullptr;
  return static_cast<const uint8_t*>(t.data) + t.byte_offset;
}

}  // namespace trainkit::state
