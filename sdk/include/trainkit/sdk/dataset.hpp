// trainkit SDK: write a dataset as a C++ class; TK_DATASET_PLUGIN (or TK_PLUGIN_CLASSES) turns it into
// the C ABI (abi/dataset.h).
//
//   class Spirals final : public tk::Dataset {
//    public:
//     static tk::DatasetSpec spec() {
//       return {"spirals", "two interleaved spirals", {tk::option::integer("points", "200", "examples per split")}};
//     }
//     Spirals(const tk::Config& cfg, const tk::Host& host, const std::string& split)
//         : Dataset(host), points_(cfg.get_int("points")) {
//       add_field("x", tk::dtype::float32, {2});
//       add_field("label", tk::dtype::int64, {});
//     }
//     int64_t size() const override { return points_; }
//     void read(int64_t index, tk::Example& out) const override {
//       float* x = out.data<float>("x");  x[0] = ...;  x[1] = ...;
//       out.data<int64_t>("label")[0] = index % 2;
//     }
//    private:
//     int64_t points_;
//   };
//   TK_DATASET_PLUGIN("org.example.spirals", "1.0.0", "Two spirals", Spirals)
//
// read() is const on purpose: the host reads ahead of training, so reading must not change the state a
// snapshot saves (abi/dataset.h). Every exception is caught at the edge and returned with its message.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../abi.h"
#include "config.hpp"
#include "error.hpp"
#include "host.hpp"
#include "state.hpp"

namespace tk {

// The DLPack dtypes fields use.
namespace dtype {
inline constexpr DLDataType float32{kDLFloat, 32, 1};
inline constexpr DLDataType float64{kDLFloat, 64, 1};
inline constexpr DLDataType int32{kDLInt, 32, 1};
inline constexpr DLDataType int64{kDLInt, 64, 1};
inline constexpr DLDataType uint8{kDLUInt, 8, 1};
}  // namespace dtype

namespace detail {
template <class T> constexpr DLDataType dtype_of();
template <> constexpr DLDataType dtype_of<float>() { return dtype::float32; }
template <> constexpr DLDataType dtype_of<double>() { return dtype::float64; }
template <> constexpr DLDataType dtype_of<int32_t>() { return dtype::int32; }
template <> constexpr DLDataType dtype_of<int64_t>() { return dtype::int64; }
template <> constexpr DLDataType dtype_of<uint8_t>() { return dtype::uint8; }
template <class D>
struct DatasetTrampolines;
}  // namespace detail

// Use as the value of a dataset class's static spec(): how the class presents itself to the host.
struct DatasetSpec {
  const char* name;
  const char* description;
  std::vector<tk_option_decl> options = {};
  uint32_t state_version = 0;         // 0: the class keeps no state
  uint32_t oldest_state_version = 0;  // 0: same as state_version
  bool reads_batches = false;         // true: the host calls read_batch, once per batch, instead of read
};

// Use inside read() / read_batch(): the host's tensors to fill, one per field in add_field order.
class Example {
 public:
  Example(const DLTensor* out, size_t count, const std::vector<std::string>* names)
      : out_(out), count_(count), names_(names) {}

  // The memory of field `index` / `name` as T, which must be the field's dtype.
  template <class T>
  T* data(size_t index) const {
    if (index >= count_) throw Error(TK_ERR_INTERNAL, "no field #", index, " (", count_, " fields)");
    const DLDataType want = detail::dtype_of<T>(), have = out_[index].dtype;
    if (want.code != have.code || want.bits != have.bits || want.lanes != have.lanes)
      throw Error(TK_ERR_INTERNAL, "field \"", (*names_)[index], "\" is not of the C++ type asked for");
    return reinterpret_cast<T*>(static_cast<char*>(out_[index].data) + out_[index].byte_offset);
  }
  template <class T>
  T* data(const std::string& name) const {
    for (size_t i = 0; i < names_->size(); ++i)
      if ((*names_)[i] == name) return data<T>(i);
    throw Error(TK_ERR_INTERNAL, "no field \"", name, "\"");
  }
  // Elements of field `index` in this call (an example, or a whole batch for read_batch).
  int64_t numel(size_t index) const {
    int64_t n = 1;
    for (int32_t d = 0; d < out_[index].ndim; ++d) n *= out_[index].shape[d];
    return n;
  }

 private:
  const DLTensor* out_;
  size_t count_;
  const std::vector<std::string>* names_;
};

// Use as the base of every dataset class.
class Dataset {
 public:
  explicit Dataset(const Host& host) : host_(host) {}
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual void read(int64_t index, Example& out) const = 0;
  // With spec().reads_batches: the examples indices[0..count), each field shaped [count, ...].
  virtual void read_batch(const int64_t* /*indices*/, int64_t /*count*/, Example& /*out*/) const {
    throw Error(TK_ERR_INTERNAL, "reads_batches is set but read_batch is not overridden");
  }
  virtual void visit(StateVisitor&) {}

 protected:
  // Declares the next field; call in the constructor, in the order read() fills them.
  void add_field(std::string name, DLDataType dtype, std::vector<int64_t> shape) {
    names_.push_back(std::move(name));
    fields_.push_back({std::move(shape), dtype});
  }
  const Host& host() const { return host_; }
  // The run's output folder (absolute); inside the constructor, read cfg.out_dir().
  const std::string& out_dir() const { return out_dir_; }

 private:
  template <class D>
  friend struct detail::DatasetTrampolines;
  struct FieldDecl {
    std::vector<int64_t> shape;
    DLDataType dtype;
  };
  Host host_;
  std::string out_dir_;
  std::vector<std::string> names_;
  std::vector<FieldDecl> fields_;
  std::vector<tk_dataset_field> raw_;  // built by describe, pointing into names_ and fields_
};

namespace detail {

// The C vtable of one dataset class; trampolines recover the object and stop every exception.
template <class D>
struct DatasetTrampolines {
  static tk_status create(const tk_dataset_class* cls, const tk_config* config, const tk_host* host,
                          const char* split, void** out, tk_error* err) noexcept {
    return guarded(err, [&] {
      Config cfg(config, cls);
      std::string dir = cfg.out_dir();
      Dataset* made = new D(cfg, Host(host), std::string(split ? split : ""));
      made->out_dir_.swap(dir);  // cannot throw: nothing leaks once the instance exists
      *out = made;
    });
  }
  static void destroy(void* self) noexcept { delete static_cast<Dataset*>(self); }
  static tk_status describe(void* self, int64_t* size, const tk_dataset_field** fields, size_t* count,
                            tk_error* err) noexcept {
    return guarded(err, [&] {
      Dataset& d = *static_cast<Dataset*>(self);
      d.raw_.clear();
      for (size_t i = 0; i < d.names_.size(); ++i) {
        const auto& f = d.fields_[i];
        d.raw_.push_back({sizeof(tk_dataset_field), d.names_[i].c_str(), f.dtype, static_cast<int32_t>(f.shape.size()),
                          f.shape.empty() ? nullptr : f.shape.data()});
      }
      *size = d.size();
      *fields = d.raw_.data();
      *count = d.raw_.size();
    });
  }
  static tk_status read_example(void* self, int64_t index, const DLTensor* out, size_t count, tk_error* err) noexcept {
    return guarded(err, [&] {
      const Dataset& d = *static_cast<const Dataset*>(self);
      Example example(out, count, &d.names_);
      d.read(index, example);
    });
  }
  static tk_status read_batch(void* self, const int64_t* indices, int64_t n, const DLTensor* out, size_t count,
                              tk_error* err) noexcept {
    return guarded(err, [&] {
      const Dataset& d = *static_cast<const Dataset*>(self);
      Example batch(out, count, &d.names_);
      d.read_batch(indices, n, batch);
    });
  }
  static tk_status visit_state(void* self, const tk_state_visitor* v, tk_error* err) noexcept {
    return guarded(err, [&] { StateVisitor visitor(v); static_cast<Dataset*>(self)->visit(visitor); });
  }

  // Built once, on first use (after init, on the main thread), and kept until exit.
  static const tk_dataset_class* get() {
    static const DatasetSpec spec = D::spec();
    static const tk_dataset_class cls = {
        sizeof(tk_dataset_class),
        spec.name,
        spec.description,
        spec.options.empty() ? nullptr : spec.options.data(),
        spec.options.size(),
        spec.state_version,
        spec.oldest_state_version != 0 ? spec.oldest_state_version : spec.state_version,
        &create,
        &destroy,
        &describe,
        &read_example,
        spec.reads_batches ? &read_batch : nullptr,
        spec.state_version != 0 ? &visit_state : nullptr,
    };
    return &cls;
  }
};

}  // namespace detail
}  // namespace tk
