// A test host for the shift plugins and fail_on_non_number: the shared test host's FakeHost (plugin_host.h:
// log, observation, Plugin, Instance, TestContext, MemoryState) with two services of its own:
//   - "trainkit.optimizer/1" holding any named hyperparameter per parameter group (FakeHost knows only lr);
//   - "trainkit.model/1" over parameters and gradients the test adds, in any dtype, shape and strides.
//
//   ShiftHost host({{{"lr", 0.1}, {"momentum", 0.9}}});      // one group
//   Plugin plugin("exponential_shift", host);
//   Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}});
//   ext.initialize(ctx);  ext.call(ctx);
//   CHECK(host.get(0, "lr") == 0.05);
//
//   host.add_parameter("fc.weight", Tensor::f32({1, NAN}));  // fail_on_non_number
//
// ShiftHost chains its own service lookup in front of FakeHost's (FakeHost::chain_services): it serves the
// two services above and hands every other id to FakeHost's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin_host.h"

namespace tk_shift_test {

using tk_test::FakeHost;

// Bytes plus a DLPack description; strides are in elements, empty for compact row-major.
struct Tensor {
  std::vector<uint8_t> bytes;
  DLDataType dtype{kDLFloat, 32, 1};
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  static Tensor f32(const std::vector<float>& values, std::vector<int64_t> shape = {});
  static Tensor f64(const std::vector<double>& values, std::vector<int64_t> shape = {});
  static Tensor f16_bits(const std::vector<uint16_t>& bits);
  static Tensor i64(const std::vector<int64_t>& values);
  DLTensor view();  // borrows this tensor's memory
};

class ShiftHost : public FakeHost {
 public:
  using Group = std::map<std::string, double>;
  explicit ShiftHost(std::vector<Group> groups = {{{"lr", 0.1}, {"momentum", 0.9}}});

  double get(size_t group, const std::string& name) const { return groups.at(group).at(name); }
  void set_all(const std::string& name, double value) {
    for (auto& g : groups) g[name] = value;
  }

  void add_parameter(const std::string& name, Tensor data, std::optional<Tensor> grad = std::nullopt) {
    params.push_back({name, std::move(data), std::move(grad)});
  }

  std::vector<Group> groups;  // the optimizer's hyperparameters, one map per parameter group
  struct Param {
    std::string name;
    Tensor data;
    std::optional<Tensor> grad;  // none: the service answers TK_NOT_FOUND
  };
  std::vector<Param> params;
  bool model_offered = true;

  const void* (*fake_get_service)(const tk_host*, const char*) = nullptr;  // FakeHost's own
};

}  // namespace tk_shift_test
