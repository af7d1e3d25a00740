// tk::TensorView, tk::Parameter and tk::Model (sdk/include/trainkit/sdk/model.hpp) over hand-built DLTensors
// and a small trainkit.model/1 service: shapes, dtypes, contiguous and strided access, gradients.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <trainkit/sdk/model.hpp>

namespace {

DLTensor f32(float* data, int32_t ndim, int64_t* shape, int64_t* strides = nullptr) {
  DLTensor t{};
  t.data = data;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = ndim;
  t.dtype = DLDataType{kDLFloat, 32, 1};
  t.shape = shape;
  t.strides = strides;
  return t;
}

std::vector<float> visited(const tk::TensorView& v) {
  std::vector<float> out;
  v.for_each<float>([&](float x) { out.push_back(x); });
  return out;
}

// A model of two parameters: "fc.weight" (2x2, with a gradient) and "fc.bias" (2, no gradient yet).
struct TwoParameters {
  float weight[4] = {1, 2, 3, 4};
  float grad[4] = {0.5f, 0.5f, 0.5f, 0.5f};
  float bias[2] = {7, 8};
  int64_t matrix[2] = {2, 2};
  int64_t vector[1] = {2};

  static const TwoParameters& of(const tk_host* h) { return *static_cast<const TwoParameters*>(h->host_data); }
  static size_t count(const tk_host*) { return 2; }
  static tk_status parameter(const tk_host* h, size_t i, const char** name, DLTensor* t) {
    auto& m = const_cast<TwoParameters&>(of(h));
    if (i > 1) return TK_NOT_FOUND;
    *name = i == 0 ? "fc.weight" : "fc.bias";
    *t = i == 0 ? f32(m.weight, 2, m.matrix) : f32(m.bias, 1, m.vector);
    return TK_OK;
  }
  static tk_status gradient(const tk_host* h, size_t i, DLTensor* t) {
    auto& m = const_cast<TwoParameters&>(of(h));
    if (i != 0) return TK_NOT_FOUND;
    *t = f32(m.grad, 2, m.matrix);
    return TK_OK;
  }
  static const void* service(const tk_host*, const char* id) {
    static const tk_model_service model = {sizeof(tk_model_service), &count, &parameter, &gradient};
    return std::strcmp(id, TK_SERVICE_MODEL) == 0 ? &model : nullptr;
  }
  tk_host host() const { return tk_host{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "test", "0", this, &service}; }
};

}  // namespace

TEST_CASE("TensorView: a contiguous tensor's shape, dtype and elements") {
  float data[6] = {0, 1, 2, 3, 4, 5};
  int64_t shape[2] = {2, 3};
  const tk::TensorView v(f32(data, 2, shape), "parameter \"w\"");
  CHECK(v.ndim() == 2);
  CHECK(v.shape() == std::vector<int64_t>{2, 3});
  CHECK(v.numel() == 6);
  CHECK(v.holds<float>());
  CHECK_FALSE(v.holds<double>());
  CHECK(v.element_bytes() == 4);
  CHECK(v.is_contiguous());
  CHECK(v.data<float>()[4] == 4);
  CHECK(v.at<float>(5) == 5);
  CHECK(visited(v) == std::vector<float>{0, 1, 2, 3, 4, 5});
  int64_t compact[2] = {3, 1};  // explicit row-major strides are contiguous too
  CHECK(tk::TensorView(f32(data, 2, shape, compact), "w").is_contiguous());
}

TEST_CASE("TensorView: a strided view is read through its strides, in row-major order") {
  // A 3x2 buffer seen transposed as 2x3: element (r, c) lives at c * 2 + r.
  float data[6] = {0, 1, 2, 3, 4, 5};
  int64_t shape[2] = {2, 3};
  int64_t strides[2] = {1, 2};
  const tk::TensorView v(f32(data, 2, shape, strides), "parameter \"t\"");
  CHECK_FALSE(v.is_contiguous());
  CHECK(visited(v) == std::vector<float>{0, 2, 4, 1, 3, 5});
  CHECK(v.at<float>(1) == 2);
  CHECK(v.at<float>(3) == 1);
  CHECK_THROWS_WITH(v.data<float>(), Catch::Contains("parameter \"t\" is not contiguous"));
  CHECK_THROWS_WITH(v.at<float>(6), Catch::Contains("element 6 of 6"));
}

TEST_CASE("TensorView: the wrong element type, another device and empty tensors") {
  float data[2] = {1, 2};
  int64_t shape[1] = {2};
  DLTensor t = f32(data, 1, shape);
  CHECK_THROWS_WITH(tk::TensorView(t, "w").at<double>(0), Catch::Contains("not the requested type"));
  t.device = DLDevice{kDLCUDA, 0};
  CHECK_THROWS_WITH(visited(tk::TensorView(t, "w")), Catch::Contains("w is not in CPU memory"));
  int64_t empty[2] = {0, 3};
  t = f32(nullptr, 2, empty);
  CHECK(tk::TensorView(t, "w").numel() == 0);
  CHECK(visited(tk::TensorView(t, "w")).empty());  // nothing to read, so no data is fine
  t.shape = nullptr;
  CHECK_THROWS_WITH(tk::TensorView(t, "w"), Catch::Contains("malformed"));
}

TEST_CASE("Model: every parameter by name, with its gradient when there is one") {
  TwoParameters m;
  const tk_host host = m.host();
  const tk::Model model{tk::Host(&host)};
  REQUIRE(model.size() == 2);
  std::vector<std::string> names;
  for (const tk::Parameter& p : model) names.push_back(p.name());
  CHECK(names == std::vector<std::string>{"fc.weight", "fc.bias"});

  const tk::Parameter weight = model.parameter(0);
  CHECK(weight.value().shape() == std::vector<int64_t>{2, 2});
  CHECK(weight.value().at<float>(3) == 4);
  const std::optional<tk::TensorView> grad = weight.gradient();
  REQUIRE(grad);
  CHECK(grad->what() == "the gradient of \"fc.weight\"");
  CHECK(visited(*grad) == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
  CHECK_FALSE(model.parameter(1).gradient());  // TK_NOT_FOUND: no backward reached it yet
  CHECK_THROWS_WITH(model.parameter(2), Catch::Contains("cannot describe parameter #2"));
}

TEST_CASE("Model: a host without trainkit.model/1 is an error naming the service") {
  const tk_host host{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "test", "0", nullptr,
                     [](const tk_host*, const char*) -> const void* { return nullptr; }};
  CHECK_THROWS_WITH(tk::Model{tk::Host(&host)}, Catch::Contains("trainkit.model/1"));
}
