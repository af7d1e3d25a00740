// trainkit torch: LibTorch tensors <-> DLPack dtypes, borrowed DLTensor views, and tensors through the
// state visitor. Includes ATen headers: only runtime/torch/*.cpp may include this file.
//
//   dl::save_tensor(v, "exp_avg", state.exp_avg());                          // SAVE
//   at::Tensor t = dl::load_tensor(v, "exp_avg", at::kFloat, p.sizes(), "optimizer state 3 exp_avg");
//   dl::View view = *dl::view(param.detach());     // view.dl borrows view.tensor's memory and sizes
//
// Rationale: at::getDLDataType / at::toScalarType (ATen/DLConvertor.h) throw for bool in LibTorch 1.13,
// and Debian's DLPack 0.6 has no bool code. trainkit uses code 6 with 8 bits for bool, which is what
// DLPack 0.8 and later name kDLBool, so a state tree written today stays readable by newer DLPack users.
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/core/ScalarType.h>
#include <dlpack/dlpack.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "state/visitor.h"

namespace trainkit::dl {

constexpr uint8_t kBoolCode = 6;  // DLPack >= 0.8: kDLBool

inline bool same(const DLDataType& a, const DLDataType& b) {
  return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
}

inline std::optional<DLDataType> dtype_of(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return DLDataType{kDLFloat, 32, 1};
    case at::kDouble: return DLDataType{kDLFloat, 64, 1};
    case at::kHalf: return DLDataType{kDLFloat, 16, 1};
    case at::kBFloat16: return DLDataType{kDLBfloat, 16, 1};
    case at::kByte: return DLDataType{kDLUInt, 8, 1};
    case at::kChar: return DLDataType{kDLInt, 8, 1};
    case at::kShort: return DLDataType{kDLInt, 16, 1};
    case at::kInt: return DLDataType{kDLInt, 32, 1};
    case at::kLong: return DLDataType{kDLInt, 64, 1};
    case at::kBool: return DLDataType{kBoolCode, 8, 1};
    default: return std::nullopt;
  }
}

inline std::optional<at::ScalarType> scalar_type(const DLDataType& d) {
  if (d.lanes != 1) return std::nullopt;
  for (at::ScalarType t : {at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kByte, at::kChar, at::kShort,
                           at::kInt, at::kLong, at::kBool}) {
    if (same(*dtype_of(t), d)) return t;
  }
  return std::nullopt;
}

// "float32", "int64", "bool"; "dtype(code 9, 32 bits, 1 lanes)" for anything trainkit does not map.
inline std::string dtype_name(const DLDataType& d) {
  if (auto t = scalar_type(d)) {
    switch (*t) {
      case at::kFloat: return "float32";
      case at::kDouble: return "float64";
      case at::kHalf: return "float16";
      case at::kBFloat16: return "bfloat16";
      case at::kByte: return "uint8";
      case at::kChar: return "int8";
      case at::kShort: return "int16";
      case at::kInt: return "int32";
      case at::kLong: return "int64";
      case at::kBool: return "bool";
      default: break;
    }
  }
  std::ostringstream out;
  out << "dtype(code " << int(d.code) << ", " << int(d.bits) << " bits, " << d.lanes << " lanes)";
  return out.str();
}

// "float32 [64, 784]"
inline std::string describe(const DLDataType& d, const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << dtype_name(d) << " [";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

// A contiguous CPU tensor and a DLTensor describing it; dl.shape points into tensor's sizes, so keep the
// View alive while dl is used. Copying a View is fine: the copy shares the same TensorImpl.
struct View {
  at::Tensor tensor;
  DLTensor dl{};
};

// Returns nullopt for a dtype without a DLPack code here (complex, quantized).
inline std::optional<View> view(const at::Tensor& t) {
  auto dtype = dtype_of(t.scalar_type());
  if (!dtype) return std::nullopt;
  View v;
  v.tensor = t.device().is_cpu() ? t.contiguous() : t.cpu().contiguous();
  v.dl.data = v.tensor.numel() == 0 ? nullptr : v.tensor.data_ptr();
  v.dl.device = {kDLCPU, 0};
  v.dl.ndim = static_cast<int32_t>(v.tensor.dim());
  v.dl.dtype = *dtype;
  v.dl.shape = const_cast<int64_t*>(v.tensor.sizes().data());
  v.dl.strides = nullptr;  // compact row-major
  v.dl.byte_offset = 0;
  return v;
}

// Enters a visitor scope for its lifetime and leaves it even when the body throws.
class Scope {
 public:
  Scope(state::Visitor& v, const std::string& key) : v_(v) { v_.enter(key); }
  ~Scope() {
    try {
      v_.leave();
    } catch (...) {
    }
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  state::Visitor& v_;
};

// SAVE: stores `t` under key (copied before the call returns); an undefined tensor stores nothing.
inline void save_tensor(state::Visitor& v, const std::string& key, const at::Tensor& t) {
  if (!t.defined()) return;
  std::optional<View> view = dl::view(t.detach());
  if (!view)
    throw Error(ExitCode::kTrainingFailed,
                str_cat("state key ", key, ": cannot save a tensor of type ", t.scalar_type(), " (no DLPack code)"));
  v.tensor(key, view->dl);
}

// LOAD: the tensor saved under key, allocated with the saved dtype and shape; undefined when absent.
// `what` names the value in errors ("model parameter \"1.weight\"").
inline at::Tensor load_any_tensor(state::Visitor& v, const std::string& key, const std::string& what) {
  DLDataType dtype{};
  std::vector<int64_t> shape;
  if (!v.tensor_info(key, dtype, shape)) return {};
  std::optional<at::ScalarType> type = scalar_type(dtype);
  TK_CHECK(type.has_value(), ResumeError, what, ": the snapshot holds a tensor of unsupported ", dtype_name(dtype));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(*type));
  v.tensor(key, view(t)->dl);
  return t;
}

// LOAD: like load_any_tensor, but the saved dtype and shape must be `type` and `shape` (ResumeError
// "<what>: saved as float32 [64, 784], expected float32 [32, 784]" otherwise).
inline at::Tensor load_tensor(state::Visitor& v, const std::string& key, at::ScalarType type, at::IntArrayRef shape,
                              const std::string& what) {
  DLDataType dtype{};
  std::vector<int64_t> saved_shape;
  if (!v.tensor_info(key, dtype, saved_shape)) return {};
  const DLDataType want = *dtype_of(type);
  const std::vector<int64_t> want_shape(shape.begin(), shape.end());
  TK_CHECK(same(dtype, want) && saved_shape == want_shape, ResumeError, what, ": saved as ",
           describe(dtype, saved_shape), ", expected ", describe(want, want_shape));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
  v.tensor(key, view(t)->dl);
  return t;
}

}  // namespace trainkit::dl
