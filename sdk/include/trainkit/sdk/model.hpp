// trainkit SDK: the model's parameters and gradients ("trainkit.model/1") as typed views.
//
//   void call(tk::Context&) override {
//     for (const tk::Parameter& p : tk::Model(host())) {
//       tk::TensorView w = p.value();                     // p.name() "fc1.weight", w.shape() {256, 784}
//       double sum = 0;
//       if (w.holds<float>()) w.for_each<float>([&](float x) { sum += x; });   // any strides
//       if (std::optional<tk::TensorView> g = p.gradient()) { ... }           // this iteration's
//     }
//   }
//
// When: inside initialize, call, on_error and finalize only (the views borrow host memory until that
// callback returns; never keep one). Parameters hold the values after this iteration's update.
// A gradient, in call, is the one this iteration's backward computed (from the values before the update);
// it stays until the next iteration clears it. There is none (nullopt) before the first update of this
// process: in initialize, and in the first calls after a resume, which never saves gradients.
// Where: the host hands CPU tensors (device kDLCPU), whatever device trains; the views refuse any other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "../abi.h"
#include "error.hpp"
#include "host.hpp"

namespace tk {

namespace detail {

// The DLPack dtype a C++ element type is stored as.
template <class T>
constexpr DLDataType dtype_of() {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, "a number type");
  const uint8_t bits = static_cast<uint8_t>(sizeof(T) * 8);
  if constexpr (std::is_floating_point_v<T>) return DLDataType{kDLFloat, bits, 1};
  else if constexpr (std::is_signed_v<T>) return DLDataType{kDLInt, bits, 1};
  else return DLDataType{kDLUInt, bits, 1};
}

}  // namespace detail

// Use to read one borrowed tensor: its shape and dtype, and its elements whatever their layout.
class TensorView {
 public:
  // what names the tensor in error messages ("parameter \"fc1.weight\"").
  TensorView(const DLTensor& t, std::string what) : t_(t), what_(std::move(what)) {
    if (t_.ndim < 0 || t_.ndim > TK_MAX_DIMS || (t_.ndim > 0 && t_.shape == nullptr))
      throw Error(TK_ERR_INTERNAL, what_, " is a malformed DLTensor");
  }

  int ndim() const { return t_.ndim; }
  std::vector<int64_t> shape() const { return std::vector<int64_t>(t_.shape, t_.shape + t_.ndim); }
  // The number of elements (1 for a scalar, 0 when a dimension is 0).
  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < t_.ndim; ++d) n *= t_.shape[d];
    return n;
  }
  DLDataType dtype() const { return t_.dtype; }
  DLDevice device() const { return t_.device; }
  // Whether the elements are stored as T (float, double, int64_t, ...): exact bits, one lane.
  template <class T>
  bool holds() const {
    const DLDataType want = detail::dtype_of<T>();
    return t_.dtype.code == want.code && t_.dtype.bits == want.bits && t_.dtype.lanes == want.lanes;
  }
  // Bytes of one element: all lanes, both halves of a complex number.
  size_t element_bytes() const {
    return static_cast<size_t>(t_.dtype.bits) * (t_.dtype.lanes > 0 ? t_.dtype.lanes : 1) / 8;
  }
  // Row-major without gaps, so data<T>() is one array of numel() elements.
  bool is_contiguous() const {
    if (t_.strides == nullptr) return true;
    int64_t expected = 1;
    for (int d = t_.ndim - 1; d >= 0; --d) {
      if (t_.shape[d] != 1 && t_.strides[d] != expected) return false;
      expected *= t_.shape[d];
    }
    return true;
  }

  // Contiguous access. Throws unless holds<T>() and is_contiguous().
  template <class T>
  const T* data() const {
    check_holds<T>();
    if (!is_contiguous()) throw Error(TK_ERR_INVALID, what_, " is not contiguous; use at() or for_each()");
    return reinterpret_cast<const T*>(base());
  }
  // Strided access: the element at row-major position flat (0 .. numel() - 1). Throws unless holds<T>().
  template <class T>
  T at(int64_t flat) const {
    check_holds<T>();
    if (flat < 0 || flat >= numel()) throw Error(TK_ERR_INVALID, what_, ": element ", flat, " of ", numel());
    int64_t offset = 0;
    for (int d = t_.ndim - 1; d >= 0; --d) {
      offset += (flat % t_.shape[d]) * stride(d);
      flat /= t_.shape[d];
    }
    T value;
    std::memcpy(&value, base() + offset * static_cast<int64_t>(sizeof(T)), sizeof value);
    return value;
  }
  // Every element in row-major order, through the strides: f(T). Throws unless holds<T>().
  template <class T, class F>
  void for_each(F&& f) const {
    check_holds<T>();
    for_each_element([&](const uint8_t* p) {
      T value;
      std::memcpy(&value, p, sizeof value);
      f(value);
    });
  }
  // The same for any dtype (float16, bfloat16, complex, ...): f(const uint8_t* element), element_bytes() long.
  template <class F>
  void for_each_element(F&& f) const {
    const int64_t n = numel();
    if (n <= 0) return;
    const uint8_t* first = base();
    const int64_t size = static_cast<int64_t>(element_bytes());
    if (is_contiguous()) {
      for (int64_t i = 0; i < n; ++i) f(first + i * size);
      return;
    }
    std::vector<int64_t> index(static_cast<size_t>(t_.ndim), 0);
    for (int64_t i = 0; i < n; ++i) {
      int64_t offset = 0;
      for (int d = 0; d < t_.ndim; ++d) offset += index[static_cast<size_t>(d)] * t_.strides[d];
      f(first + offset * size);
      for (int d = t_.ndim - 1; d >= 0; --d) {  // odometer
        if (++index[static_cast<size_t>(d)] < t_.shape[d]) break;
        index[static_cast<size_t>(d)] = 0;
      }
    }
  }

  const DLTensor& raw() const { return t_; }
  const std::string& what() const { return what_; }  // "parameter \"fc1.weight\"", for messages

 private:
  // The first element; only called when there is one to read.
  const uint8_t* base() const {
    if (t_.device.device_type != kDLCPU && t_.device.device_type != kDLCUDAHost)
      throw Error(TK_ERR_INTERNAL, what_, " is not in CPU memory");
    if (t_.data == nullptr) throw Error(TK_ERR_INTERNAL, what_, " has no data");
    if (element_bytes() == 0 || t_.dtype.bits % 8 != 0)
      throw Error(TK_ERR_INVALID, what_, " has elements of ", int(t_.dtype.bits), " bits, not whole bytes");
    return static_cast<const uint8_t*>(t_.data) + t_.byte_offset;
  }
  int64_t stride(int d) const {
    if (t_.strides != nullptr) return t_.strides[d];
    int64_t s = 1;
    for (int k = t_.ndim - 1; k > d; --k) s *= t_.shape[k];
    return s;
  }
  template <class T>
  void check_holds() const {
    if (!holds<T>())
      throw Error(TK_ERR_INVALID, what_, " holds dtype code ", int(t_.dtype.code), " with ", int(t_.dtype.bits),
                  " bits, not the requested type");
  }

  DLTensor t_;  // shape, strides and data borrowed from the host
  std::string what_;
};

// Use to read one parameter of the model and its gradient; borrowed for the current callback.
class Parameter {
 public:
  Parameter(const tk_host* host, const tk_model_service* service, size_t index) : host_(host), service_(service), index_(index) {
    const char* name = nullptr;
    DLTensor t{};
    tk_status s = service_->parameter(host_, index_, &name, &t);
    if (s == TK_NOT_FOUND) throw Error(TK_ERR_INVALID, "the host cannot describe parameter #", index_, " as a DLTensor");
    detail::check(s, "reading a parameter");
    name_ = name != nullptr ? name : "#" + std::to_string(index_);
    value_.emplace(t, "parameter \"" + name_ + "\"");
  }

  size_t index() const { return index_; }
  const std::string& name() const { return name_; }  // dotted path: "fc1.weight"
  const TensorView& value() const { return *value_; }
  // This iteration's gradient, or nullopt when there is none (see the banner).
  std::optional<TensorView> gradient() const {
    DLTensor t{};
    tk_status s = service_->gradient(host_, index_, &t);
    if (s == TK_NOT_FOUND) return std::nullopt;
    detail::check(s, "reading a gradient");
    return TensorView(t, "the gradient of \"" + name_ + "\"");
  }

 private:
  const tk_host* host_;
  const tk_model_service* service_;
  size_t index_;
  std::string name_;
  std::optional<TensorView> value_;
};

// Use to walk the model's parameters: `for (const tk::Parameter& p : tk::Model(host()))`.
class Model {
 public:
  // Throws tk::Error(TK_ERR_INVALID) when the host does not offer "trainkit.model/1".
  explicit Model(const Host& host) : host_(host.raw()), service_(&host.require<tk_model_service>(TK_SERVICE_MODEL)) {}

  size_t size() const { return service_->parameter_count(host_); }
  Parameter parameter(size_t index) const { return Parameter(host_, service_, index); }

  class iterator {
   public:
    iterator(const Model* model, size_t i) : model_(model), i_(i) {}
    Parameter operator*() const { return model_->parameter(i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const Model* model_;
    size_t i_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

 private:
  const tk_host* host_;
  const tk_model_service* service_;
};

}  // namespace tk
