// trainkit state: the host-side visitor every stateful part of the host implements `visit` against.
//
//   void IntervalTrigger::visit(state::Visitor& v) {
//     v.value("previous_iteration", previous_iteration_);   // saves, or loads when v.loading()
//   }
//
// One function saves and loads (Chainer's serialize). On load, a missing key leaves the value alone and
// value() returns false, so a part added in a newer trainkit resumes from an older snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <dlpack/dlpack.h>

namespace trainkit::state {

enum class Mode { kSave, kLoad };

// Use as the parameter of every host part's visit(); never store it.
class Visitor {
 public:
  virtual ~Visitor() = default;
  virtual Mode mode() const = 0;
  bool saving() const { return mode() == Mode::kSave; }
  bool loading() const { return mode() == Mode::kLoad; }

  virtual void enter(const std::string& key) = 0;
  virtual void leave() = 0;
  virtual bool value(const std::string& key, int64_t& v) = 0;
  virtual bool value(const std::string& key, double& v) = 0;
  virtual bool value(const std::string& key, bool& v) = 0;
  virtual bool value(const std::string& key, std::string& v) = 0;
  virtual bool bytes(const std::string& key, std::vector<uint8_t>& v) = 0;

  // Tensors cross as DLTensors describing contiguous CPU memory (strides NULL or compact).
  // SAVE: the bytes of `t` are stored (copied or written out) before the call returns.
  // LOAD: false when absent; otherwise dtype and shape must equal the saved ones (an Error otherwise)
  // and the saved bytes are copied into t.data.
  virtual bool tensor(const std::string& key, const DLTensor& t) = 0;
  // LOAD only: the saved dtype and shape, so the caller can allocate first; false when absent.
  virtual bool tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) = 0;

  template <class Body>
  void scope(const std::string& key, Body&& body) {
    enter(key);
    body();
    leave();
  }
};

}  // namespace trainkit::state
