// trainkit torch: a live tensor lent to a plugin as a DLTensor, without a copy.
//
//   DLTensor view;
//   if (fill_dltensor(parameter, &view)) ...   // false for a dtype the model service does not lend
#pragma once

#include <ATen/core/Tensor.h>
#include <dlpack/dlpack.h>

namespace trainkit {

// Floating-point tensors only (what parameters and gradients are). shape/strides point into the
// TensorImpl, which the model (parameters) or the parameter's autograd slot (gradients) keeps alive;
// strides are given so a non-contiguous tensor is still described truthfully rather than copied (a copy
// would not see the optimizer's updates).
inline bool fill_dltensor(const at::Tensor& t, DLTensor* out) {
  DLDataType dtype{};
  switch (t.scalar_type()) {
    case at::kFloat: dtype = {kDLFloat, 32, 1}; break;
    case at::kDouble: dtype = {kDLFloat, 64, 1}; break;
    case at::kHalf: dtype = {kDLFloat, 16, 1}; break;
    case at::kBFloat16: dtype = {kDLBfloat, 16, 1}; break;
    default: return false;
  }
  out->data = t.data_ptr();
  out->device = {kDLCPU, 0};
  out->ndim = static_cast<int32_t>(t.dim());
  out->dtype = dtype;
  out->shape = const_cast<int64_t*>(t.sizes().data());
  out->strides = const_cast<int64_t*>(t.strides().data());
  out->byte_offset = 0;
  return true;
}

}  // namespace trainkit
