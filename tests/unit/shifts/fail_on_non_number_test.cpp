// fail_on_non_number: every parameter (and gradient) read through trainkit.model/1; NaN or Inf stops the run.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "shift_host.h"

using namespace tk_test;
using namespace tk_shift_test;

namespace {

const char* const kChainerMessage = "Kill the process since parameters in optimizer 'main' diverge. R.I.P.";
const std::string kStopStatus = "status " + std::to_string(TK_ERR_STOP) + ")";
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_CASE("fail_on_non_number: finite parameters and gradients pass") {
  ShiftHost host;
  host.add_parameter("fc1.weight", Tensor::f32({0.5f, -1.f, 3.f, 0.f}, {2, 2}), Tensor::f32({0.1f, 0.2f, 0.3f, 0.4f}, {2, 2}));
  host.add_parameter("fc1.bias", Tensor::f64({1e300, -1e-300}));  // no gradient yet
  host.add_parameter("steps", Tensor::i64({1, 2}));                // integers cannot diverge
  host.add_parameter("empty", Tensor::f32({}, {0, 3}));
  Plugin plugin("fail_on_non_number", host);
  Instance ext(plugin, host, "fail_on_non_number");
  TestContext ctx;
  ctx.iteration = 1;
  CHECK_NOTHROW(ext.call(ctx));
}

TEST_CASE("fail_on_non_number: a NaN or Inf parameter stops the run with Chainer's message") {
  ShiftHost host;
  host.add_parameter("fc1.weight", Tensor::f32({0.5f, 1.f}));
  SECTION("float32 NaN") {
    host.add_parameter("fc2.weight", Tensor::f32({1.f, 2.f, kNaN}, {1, 3}));
    Plugin plugin("fail_on_non_number", host);
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains(kStopStatus) && Catch::Contains(kChainerMessage) &&
                                                   Catch::Contains("parameter \"fc2.weight\" holds NaN"));
  }
  SECTION("float32 -Inf") {
    host.add_parameter("fc2.bias", Tensor::f32({-kInf}));
    Plugin plugin("fail_on_non_number", host);
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains(kStopStatus) && Catch::Contains("\"fc2.bias\" holds Inf"));
  }
  SECTION("float64 Inf") {
    host.add_parameter("scale", Tensor::f64({1.0, std::numeric_limits<double>::infinity()}));
    Plugin plugin("fail_on_non_number", host);
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains(kStopStatus) && Catch::Contains("\"scale\" holds Inf"));
  }
  SECTION("float16 NaN and Inf") {
    host.add_parameter("half", Tensor::f16_bits({0x3C00, 0x7C00}));  // 1.0, +Inf
    host.add_parameter("half_nan", Tensor::f16_bits({0x7E00}));
    Plugin plugin("fail_on_non_number", host);
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("\"half\" holds Inf"));
    host.params[1].data = Tensor::f16_bits({0x3C00, 0x7BFF});  // 1.0, the largest finite half
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("\"half_nan\" holds NaN"));
  }
  SECTION("checked at every call: a parameter that diverges later") {
    host.add_parameter("late", Tensor::f32({1.f}));
    Plugin plugin("fail_on_non_number", host);
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_NOTHROW(ext.call(TestContext{}));
    host.params[1].data = Tensor::f32({kNaN});
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("\"late\" holds NaN"));
  }
}

TEST_CASE("fail_on_non_number: gradients are checked unless check_grad is false") {
  ShiftHost host;
  host.add_parameter("fc1.weight", Tensor::f32({0.5f, 1.f}), Tensor::f32({0.f, kNaN}));
  Plugin plugin("fail_on_non_number", host);
  SECTION("check_grad = true (ppe's default)") {
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}),
                      Catch::Contains(kStopStatus) && Catch::Contains(kChainerMessage) &&
                          Catch::Contains("the gradient of parameter \"fc1.weight\" holds NaN"));
  }
  SECTION("check_grad = false") {
    Instance ext(plugin, host, "fail_on_non_number", {{"check_grad", false}});
    CHECK_NOTHROW(ext.call(TestContext{}));
  }
  SECTION("float64 gradient") {
    host.params[0].grad = Tensor::f64({std::numeric_limits<double>::infinity()});
    Instance ext(plugin, host, "fail_on_non_number");
    CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("gradient of parameter \"fc1.weight\" holds Inf"));
  }
}

TEST_CASE("fail_on_non_number: strided tensors are walked through their strides") {
  ShiftHost host;
  // Memory [1, NaN, 2, NaN, 3, NaN]; a view of every other element (shape {3}, stride 2) is finite.
  Tensor every_other = Tensor::f32({1.f, kNaN, 2.f, kNaN, 3.f, kNaN}, {3});
  every_other.strides = {2};
  host.add_parameter("view", every_other);
  Plugin plugin("fail_on_non_number", host);
  Instance ext(plugin, host, "fail_on_non_number");
  CHECK_NOTHROW(ext.call(TestContext{}));

  // A transposed 2x3 view of a 3x2 buffer whose NaN sits at element (1, 2) of the view.
  Tensor transposed = Tensor::f32({1.f, 2.f, 3.f, 4.f, 5.f, kNaN}, {2, 3});
  transposed.strides = {1, 2};
  host.params[0].data = transposed;
  CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("\"view\" holds NaN"));
}

TEST_CASE("fail_on_non_number: without a model service the call fails with a message") {
  ShiftHost host;
  host.model_offered = false;
  Plugin plugin("fail_on_non_number", host);
  Instance ext(plugin, host, "fail_on_non_number");
  CHECK_THROWS_WITH(ext.call(TestContext{}), Catch::Contains("trainkit.model/1"));
}
