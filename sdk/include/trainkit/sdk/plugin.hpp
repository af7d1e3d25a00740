// trainkit SDK: write an extension as a C++ class; TK_PLUGIN turns it into the C ABI. A plugin with dataset
// classes (sdk/dataset.hpp) uses TK_DATASET_PLUGIN, or TK_PLUGIN_CLASSES for both kinds:
//   TK_PLUGIN_CLASSES("org.example.both", "1.0.0", "...", tk::Extensions<MeanLoss>, tk::Datasets<Spirals>)
//
//   class MeanLoss final : public tk::Extension {
//    public:
//     static tk::ClassSpec spec() {
//       return {"mean_loss", "reports a moving average of main/loss", "1 iteration", TK_PRIORITY_EDITOR,
//               0, {tk::option::real("decay", "0.9", "weight of the old average")}, /*state_version=*/1};
//     }
//     MeanLoss(const tk::Config& cfg, const tk::Host& host) : Extension(host), decay_(cfg.get_float("decay")) {}
//     void call(tk::Context& ctx) override { ... host().report("main/loss_avg", avg_); }
//     void visit(tk::StateVisitor& v) override { v("avg", avg_); }
//    private:
//     double decay_, avg_ = 0;
//   };
//   TK_PLUGIN("org.example.mean_loss", "1.0.0", "Moving average of the loss", MeanLoss)
//
// Every exception thrown from the class is caught at the edge and returned as a status with its message.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../abi.h"
#include "config.hpp"
#include "dataset.hpp"
#include "error.hpp"
#include "host.hpp"
#include "state.hpp"

#if defined(__GNUC__)
#define TK_EXPORT __attribute__((visibility("default")))
#else
#define TK_EXPORT
#endif

#ifndef TK_PLUGIN_LIBTORCH_VERSION
#define TK_PLUGIN_LIBTORCH_VERSION nullptr
#endif

namespace tk {

namespace detail {
template <class T>
struct ClassTrampolines;
}  // namespace detail

// Use as the value of an extension class's static spec(): how the class presents itself to the host.
struct ClassSpec {
  const char* name;
  const char* description;
  const char* trigger = "1 iteration";
  int32_t priority = TK_PRIORITY_READER;
  uint32_t flags = 0;
  std::vector<tk_option_decl> options = {};
  uint32_t state_version = 0;         // 0: the class keeps no state
  uint32_t oldest_state_version = 0;  // 0: same as state_version
};

// Use as the base of every extension class; override what the class needs.
class Extension {
 public:
  explicit Extension(const Host& host) : host_(host) {}
  virtual ~Extension() = default;
  virtual void initialize(Context&) {}
  virtual void call(Context&) = 0;
  virtual void on_error(Context&, const char* /*what*/) {}
  virtual void finalize(Context&) {}
  virtual void visit(StateVisitor&) {}
  // A snapshot path to resume from (see tk_extension_class.find_resume_point), or "" for none.
  virtual std::string find_resume_point(Context&, bool /*requested*/) { return ""; }

 protected:
  const Host& host() const { return host_; }
  // The run's output folder (absolute), in every callback, visit included: a loading visit can check the
  // plugin's own files there. Inside the constructor, read cfg.out_dir().
  const std::string& out_dir() const { return out_dir_; }

 private:
  template <class T>
  friend struct detail::ClassTrampolines;
  Host host_;
  std::string out_dir_;
};

namespace detail {

inline const tk_host*& plugin_host() {
  static const tk_host* host = nullptr;
  return host;
}

// The C vtable of one class; trampolines recover the object and stop every exception.
template <class T>
struct ClassTrampolines {
  static tk_status create(const tk_extension_class* cls, const tk_config* config, const tk_host* host, void** out,
                          tk_error* err) noexcept {
    return guarded(err, [&] {
      Config cfg(config, cls);
      std::string dir = cfg.out_dir();
      Extension* made = new T(cfg, Host(host));
      made->out_dir_.swap(dir);  // cannot throw: nothing leaks once the instance exists
      *out = made;
    });
  }
  static void destroy(void* self) noexcept { delete static_cast<Extension*>(self); }
  static tk_status initialize(void* self, const tk_context* c, tk_error* err) noexcept {
    return guarded(err, [&] { Context ctx(c); static_cast<Extension*>(self)->initialize(ctx); });
  }
  static tk_status call(void* self, const tk_context* c, tk_error* err) noexcept {
    return guarded(err, [&] { Context ctx(c); static_cast<Extension*>(self)->call(ctx); });
  }
  static tk_status on_error(void* self, const tk_context* c, const char* what, tk_error* err) noexcept {
    return guarded(err, [&] { Context ctx(c); static_cast<Extension*>(self)->on_error(ctx, what); });
  }
  static tk_status finalize(void* self, const tk_context* c, tk_error* err) noexcept {
    return guarded(err, [&] { Context ctx(c); static_cast<Extension*>(self)->finalize(ctx); });
  }
  static tk_status visit_state(void* self, const tk_state_visitor* v, tk_error* err) noexcept {
    return guarded(err, [&] { StateVisitor visitor(v); static_cast<Extension*>(self)->visit(visitor); });
  }

  static tk_status find_resume_point(void* self, const tk_context* c, int32_t requested, char* path,
                                     size_t path_size, tk_error* err) noexcept {
    std::string found;
    tk_status s = guarded(err, [&] { Context ctx(c); found = static_cast<Extension*>(self)->find_resume_point(ctx, requested != 0); });
    if (s != TK_OK) return s;
    if (found.empty()) return TK_NOT_FOUND;
    if (found.size() + 1 > path_size) return fail(err, TK_ERR_INVALID, "resume path longer than the host's buffer");
    std::memcpy(path, found.c_str(), found.size() + 1);
    return TK_OK;
  }

  // Built once, on first use (after init, on the main thread), and kept until exit.
  static const tk_extension_class* get() {
    static const ClassSpec spec = T::spec();
    static const tk_extension_class cls = {
        sizeof(tk_extension_class),
        spec.name,
        spec.description,
        spec.trigger,
        spec.priority,
        spec.flags,
        spec.options.empty() ? nullptr : spec.options.data(),
        spec.options.size(),
        spec.state_version,
        spec.oldest_state_version != 0 ? spec.oldest_state_version : spec.state_version,
        &create,
        &destroy,
        &initialize,
        &call,
        &on_error,
        &finalize,
        spec.state_version != 0 ? &visit_state : nullptr,
        &find_resume_point,
    };
    return &cls;
  }
};

}  // namespace detail

// The class lists of TK_PLUGIN_CLASSES.
template <class... Classes>
struct Extensions {};
template <class... Classes>
struct Datasets {};

namespace detail {

template <class ExtensionList, class DatasetList>
struct PluginTrampolines;

template <class... Classes, class... DatasetClasses>
struct PluginTrampolines<Extensions<Classes...>, Datasets<DatasetClasses...>> {
  static tk_status init(const tk_host* host, tk_error* err) noexcept {
    plugin_host() = host;
    return guarded(err, [] {
      (ClassTrampolines<Classes>::get(), ...);
      (DatasetTrampolines<DatasetClasses>::get(), ...);
    });
  }
  static void deinit() noexcept { plugin_host() = nullptr; }
  static size_t class_count() noexcept { return sizeof...(Classes); }
  static const tk_extension_class* get_class(size_t index) noexcept {
    const tk_extension_class* all[] = {ClassTrampolines<Classes>::get()..., nullptr};
    return index < sizeof...(Classes) ? all[index] : nullptr;
  }
  static size_t dataset_class_count() noexcept { return sizeof...(DatasetClasses); }
  static const tk_dataset_class* get_dataset_class(size_t index) noexcept {
    const tk_dataset_class* all[] = {DatasetTrampolines<DatasetClasses>::get()..., nullptr};
    return index < sizeof...(DatasetClasses) ? all[index] : nullptr;
  }
};

}  // namespace detail
}  // namespace tk

// Defines the plugin's descriptor, its one exported entry symbol and the "tkplugin" marker section.
// ID is reverse-DNS ("org.example.mean_loss"), VERSION the plugin's semver; then tk::Extensions<...> and
// tk::Datasets<...>, the plugin's classes of each kind (either list may be empty).
#define TK_PLUGIN_CLASSES(ID, VERSION, DESCRIPTION, ...)                                                 \
  using tk_plugin_trampolines_ = tk::detail::PluginTrampolines<__VA_ARGS__>;                             \
  TK_PLUGIN_ENTRY_(ID, VERSION, DESCRIPTION)
// A plugin of extension classes only.
#define TK_PLUGIN(ID, VERSION, DESCRIPTION, ...) \
  TK_PLUGIN_CLASSES(ID, VERSION, DESCRIPTION, tk::Extensions<__VA_ARGS__>, tk::Datasets<>)
// A plugin of dataset classes only.
#define TK_DATASET_PLUGIN(ID, VERSION, DESCRIPTION, ...) \
  TK_PLUGIN_CLASSES(ID, VERSION, DESCRIPTION, tk::Extensions<>, tk::Datasets<__VA_ARGS__>)

// The part of TK_PLUGIN_CLASSES after the class lists became the type tk_plugin_trampolines_ (a macro
// argument cannot hold the commas of a template argument list).
#define TK_PLUGIN_ENTRY_(ID, VERSION, DESCRIPTION)                                                       \
  static const tk_plugin_descriptor tk_plugin_descriptor_ = {                                            \
      sizeof(tk_plugin_descriptor), ID, VERSION, nullptr, nullptr, DESCRIPTION, TK_PLUGIN_LIBTORCH_VERSION}; \
  __attribute__((section(TK_PLUGIN_SECTION_NAME), used)) static const char tk_plugin_marker_[] =        \
      "trainkit plugin ABI 1";                                                                           \
  extern "C" TK_EXPORT const tk_plugin_entry trainkit_plugin_entry_v1;                                   \
  const tk_plugin_entry trainkit_plugin_entry_v1 = {                                                     \
      sizeof(tk_plugin_entry),                                                                           \
      TK_ENTRY_MAGIC,                                                                                    \
      {TK_ABI_MAJOR, TK_ABI_MINOR},                                                                      \
      &tk_plugin_descriptor_,                                                                            \
      &tk_plugin_trampolines_::init,                                                                     \
      &tk_plugin_trampolines_::deinit,                                                                   \
      &tk_plugin_trampolines_::class_count,                                                              \
      &tk_plugin_trampolines_::get_class,                                                                \
      &tk_plugin_trampolines_::dataset_class_count,                                                      \
      &tk_plugin_trampolines_::get_dataset_class,                                                        \
  };
