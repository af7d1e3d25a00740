// fail_on_non_number: Chainer's / ppe's FailOnNonNumber. At each call it reads every parameter of the model
// (and, as ppe's check_grad does by default, every gradient the model has) and fails the call with
// TK_ERR_STOP when one holds NaN or Inf, with Chainer's message plus the parameter it found:
//   Kill the process since parameters in optimizer 'main' diverge. R.I.P. (parameter "fc1.weight" holds NaN)
// The host then stops the run as failed (on_error, finalize).
//
// Chainer's defaults: trigger "1 iteration", priority READER. Floating dtypes are checked (float16,
// bfloat16, float32, float64 and complex of them); integer tensors cannot hold a non-number. Strided
// tensors are walked through their strides.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <trainkit/sdk.hpp>

namespace {

enum class Bad { none, nan, inf };

const char* describe(Bad b) { return b == Bad::nan ? "NaN" : "Inf"; }

template <class Float>
Bad classify_float(const uint8_t* p) {
  Float x;
  std::memcpy(&x, p, sizeof x);
  if (std::isnan(x)) return Bad::nan;
  if (std::isinf(x)) return Bad::inf;
  return Bad::none;
}

// IEEE half and bfloat16: exponent all ones is Inf (mantissa 0) or NaN.
Bad classify_bits16(const uint8_t* p, int mantissa_bits) {
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  const uint16_t mantissa_mask = static_cast<uint16_t>((1u << mantissa_bits) - 1);
  const uint16_t exponent_mask = static_cast<uint16_t>(0x7FFFu & ~mantissa_mask);
  if ((bits & exponent_mask) != exponent_mask) return Bad::none;
  return (bits & mantissa_mask) != 0 ? Bad::nan : Bad::inf;
}

// One scalar component of the tensor's dtype (a complex value has two).
Bad classify_scalar(const uint8_t* p, uint8_t code, int bits) {
  if (code == kDLBfloat && bits == 16) return classify_bits16(p, 7);
  if (bits == 16) return classify_bits16(p, 10);
  if (bits == 32) return classify_float<float>(p);
  return classify_float<double>(p);
}

// The first non-finite element of t, or Bad::none.
Bad find_non_finite(const DLTensor& t, const std::string& what) {
  const uint8_t code = t.dtype.code;
  if (code == kDLInt || code == kDLUInt) return Bad::none;
  const bool complex = code == kDLComplex;
  const int scalar_bits = complex ? t.dtype.bits / 2 : t.dtype.bits;
  const bool known = (code == kDLFloat || complex) ? (scalar_bits == 16 || scalar_bits == 32 || scalar_bits == 64)
                                                   : (code == kDLBfloat && scalar_bits == 16);
  if (!known)
    throw tk::Error(TK_ERR_INVALID, what, " has a dtype this check cannot read (code ", int(code), ", ", int(t.dtype.bits),
                    " bits)");
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost)
    throw tk::Error(TK_ERR_INTERNAL, what, " is not in CPU memory");
  if (t.ndim < 0 || (t.ndim > 0 && t.shape == nullptr)) throw tk::Error(TK_ERR_INTERNAL, what, " is a malformed DLTensor");

  const int lanes = t.dtype.lanes > 0 ? t.dtype.lanes : 1;
  const size_t scalar_bytes = static_cast<size_t>(scalar_bits) / 8;
  const size_t element_bytes = scalar_bytes * (complex ? 2 : 1) * static_cast<size_t>(lanes);
  const size_t scalars_per_element = (complex ? 2 : 1) * static_cast<size_t>(lanes);
  const uint8_t* base = static_cast<const uint8_t*>(t.data) + t.byte_offset;

  int64_t count = 1;
  for (int d = 0; d < t.ndim; ++d) count *= t.shape[d];
  if (count <= 0) return Bad::none;
  if (base == nullptr) throw tk::Error(TK_ERR_INTERNAL, what, " has no data");

  auto check_element = [&](const uint8_t* p) {
    for (size_t s = 0; s < scalars_per_element; ++s)
      if (Bad b = classify_scalar(p + s * scalar_bytes, code, scalar_bits); b != Bad::none) return b;
    return Bad::none;
  };

  if (t.strides == nullptr) {  // compact row-major
    for (int64_t i = 0; i < count; ++i)
      if (Bad b = check_element(base + static_cast<size_t>(i) * element_bytes); b != Bad::none) return b;
    return Bad::none;
  }
  std::vector<int64_t> index(static_cast<size_t>(t.ndim), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int d = 0; d < t.ndim; ++d) offset += index[static_cast<size_t>(d)] * t.strides[d];
    if (Bad b = check_element(base + offset * static_cast<int64_t>(element_bytes)); b != Bad::none) return b;
    for (int d = t.ndim - 1; d >= 0; --d) {  // odometer
      if (++index[static_cast<size_t>(d)] < t.shape[d]) break;
      index[static_cast<size_t>(d)] = 0;
    }
  }
  return Bad::none;
}

class FailOnNonNumber final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"fail_on_non_number",
            "stops the run when a parameter or gradient holds NaN or Inf (Chainer's FailOnNonNumber)",
            "1 iteration",
            TK_PRIORITY_READER,
            0,
            {tk::option::boolean("check_grad", "true", "also check the gradients (ppe's check_grad)")}};
  }

  FailOnNonNumber(const tk::Config& cfg, const tk::Host& host) : Extension(host), check_grad_(cfg.get_bool("check_grad")) {}

  void call(tk::Context&) override {
    const auto& model = host().require<tk_model_service>(TK_SERVICE_MODEL);
    const tk_host* raw = host().raw();
    for (size_t i = 0, n = model.parameter_count(raw); i < n; ++i) {
      const char* name = nullptr;
      DLTensor tensor{};
      tk::detail::check(model.parameter(raw, i, &name, &tensor), "reading a parameter");
      std::string param = name != nullptr ? name : "#" + std::to_string(i);
      if (Bad b = find_non_finite(tensor, "parameter \"" + param + "\""); b != Bad::none)
        diverged("parameter \"" + param + "\" holds " + describe(b));
      if (!check_grad_) continue;
      DLTensor grad{};
      tk_status s = model.gradient(raw, i, &grad);
      if (s == TK_NOT_FOUND) continue;  // no backward pass reached it yet
      tk::detail::check(s, "reading a gradient");
      if (Bad b = find_non_finite(grad, "the gradient of \"" + param + "\""); b != Bad::none)
        diverged("the gradient of parameter \"" + param + "\" holds " + describe(b));
    }
  }

 private:
  [[noreturn]] static void diverged(const std::string& where) {
    throw tk::Error(TK_ERR_STOP, "Kill the process since parameters in optimizer 'main' diverge. R.I.P. (", where, ")");
  }

  bool check_grad_;
};

}  // namespace

TK_PLUGIN("org.trainkit.fail_on_non_number", "1.0.0", "Chainer's FailOnNonNumber: stops on NaN/Inf parameters",
          FailOnNonNumber)
