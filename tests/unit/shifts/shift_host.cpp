#include "shift_host.h"

#include <cstring>

namespace tk_shift_test {

namespace {

template <class T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<int64_t> flat_or(std::vector<int64_t> shape, size_t n) {
  return shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(n)} : shape;
}

// FakeHost stores itself in host_data; every ShiftHost is one.
ShiftHost& shift_host(const tk_host* h) {
  return static_cast<ShiftHost&>(*const_cast<FakeHost*>(static_cast<const FakeHost*>(h->host_data)));
}

const tk_optimizer_service kOptimizer = {
    sizeof(tk_optimizer_service),
    [](const tk_host* h) { return shift_host(h).optimizer_name.c_str(); },
    [](const tk_host* h) { return shift_host(h).groups.size(); },
    [](const tk_host* h, size_t group, const char* name, double* out) -> tk_status {
      auto& groups = shift_host(h).groups;
      if (group >= groups.size()) return TK_ERR_INVALID;
      auto it = groups[group].find(name);
      if (it == groups[group].end()) return TK_NOT_FOUND;
      *out = it->second;
      return TK_OK;
    },
    [](const tk_host* h, size_t group, const char* name, double value) -> tk_status {
      auto& groups = shift_host(h).groups;
      if (group >= groups.size()) return TK_ERR_INVALID;
      auto it = groups[group].find(name);
      if (it == groups[group].end()) return TK_NOT_FOUND;
      it->second = value;
      return TK_OK;
    }};

const tk_model_service kModel = {
    sizeof(tk_model_service),
    [](const tk_host* h) { return shift_host(h).params.size(); },
    [](const tk_host* h, size_t index, const char** name, DLTensor* tensor) -> tk_status {
      auto& params = shift_host(h).params;
      if (index >= params.size()) return TK_ERR_INVALID;
      *name = params[index].name.c_str();
      *tensor = params[index].data.view();
      return TK_OK;
    },
    [](const tk_host* h, size_t index, DLTensor* tensor) -> tk_status {
      auto& params = shift_host(h).params;
      if (index >= params.size()) return TK_ERR_INVALID;
      if (!params[index].grad) return TK_NOT_FOUND;
      *tensor = params[index].grad->view();
      return TK_OK;
    }};

const void* get_service(const tk_host* h, const char* id) {
  ShiftHost& host = shift_host(h);
  if (std::strcmp(id, TK_SERVICE_OPTIMIZER) == 0) return &kOptimizer;
  if (std::strcmp(id, TK_SERVICE_MODEL) == 0) return host.model_offered ? &kModel : nullptr;
  return host.fake_get_service(h, id);
}

}  // namespace

Tensor Tensor::f32(const std::vector<float>& values, std::vector<int64_t> shape) {
  return {to_bytes(values), {kDLFloat, 32, 1}, flat_or(std::move(shape), values.size()), {}};
}

Tensor Tensor::f64(const std::vector<double>& values, std::vector<int64_t> shape) {
  return {to_bytes(values), {kDLFloat, 64, 1}, flat_or(std::move(shape), values.size()), {}};
}

Tensor Tensor::f16_bits(const std::vector<uint16_t>& bits) {
  return {to_bytes(bits), {kDLFloat, 16, 1}, flat_or({}, bits.size()), {}};
}

Tensor Tensor::i64(const std::vector<int64_t>& values) {
  return {to_bytes(values), {kDLInt, 64, 1}, flat_or({}, values.size()), {}};
}

DLTensor Tensor::view() {
  DLTensor t{};
  t.data = bytes.data();
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = static_cast<int32_t>(shape.size());
  t.dtype = dtype;
  t.shape = shape.data();
  t.strides = strides.empty() ? nullptr : strides.data();
  t.byte_offset = 0;
  return t;
}

ShiftHost::ShiftHost(std::vector<Group> groups_) : groups(std::move(groups_)) {
  fake_get_service = chain_services(&get_service);
}

}  // namespace tk_shift_test
