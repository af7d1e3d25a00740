// fail_on_non_number: Chainer's / ppe's FailOnNonNumber. At each call it reads every parameter of the model
// (and, as ppe's check_grad does by default, every gradient the model has) and fails the call with
// TK_ERR_STOP when one holds NaN or Inf, with Chainer's message plus the parameter it found:
//   Kill the process since parameters in optimizer 'main' diverge. R.I.P. (parameter "fc1.weight" holds NaN)
// The host then stops the run as failed (on_error, finalize).
//
// Chainer's defaults: trigger "1 iteration", priority READER. Floating dtypes are checked (float16,
// bfloat16, float32, float64 and complex of them); integer tensors cannot hold a non-number. The SDK's
// model view (tk::Model) walks strided tensors through their strides.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/model.hpp>

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
Bad find_non_finite(const tk::TensorView& t) {
  const DLDataType dtype = t.dtype();
  if (dtype.code == kDLInt || dtype.code == kDLUInt) return Bad::none;
  const bool complex = dtype.code == kDLComplex;
  const int scalar_bits = complex ? dtype.bits / 2 : dtype.bits;
  const bool known = (dtype.code == kDLFloat || complex) ? (scalar_bits == 16 || scalar_bits == 32 || scalar_bits == 64)
                                                         : (dtype.code == kDLBfloat && scalar_bits == 16);
  if (!known)
    throw tk::Error(TK_ERR_INVALID, t.what(), " has a dtype this check cannot read (code ", int(dtype.code), ", ",
                    int(dtype.bits), " bits)");
  const size_t scalar_bytes = static_cast<size_t>(scalar_bits) / 8;
  const size_t scalars_per_element = t.element_bytes() / scalar_bytes;  // lanes, and both halves of a complex
  Bad first = Bad::none;
  t.for_each_element([&](const uint8_t* p) {
    for (size_t s = 0; s < scalars_per_element && first == Bad::none; ++s)
      first = classify_scalar(p + s * scalar_bytes, dtype.code, scalar_bits);
  });
  return first;
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
    for (const tk::Parameter& p : tk::Model(host())) {
      if (Bad b = find_non_finite(p.value()); b != Bad::none)
        diverged("parameter \"" + p.name() + "\" holds " + describe(b));
      if (!check_grad_) continue;
      std::optional<tk::TensorView> grad = p.gradient();
      if (!grad) continue;  // no backward pass reached it yet
      if (Bad b = find_non_finite(*grad); b != Bad::none)
        diverged("the gradient of parameter \"" + p.name() + "\" holds " + describe(b));
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
