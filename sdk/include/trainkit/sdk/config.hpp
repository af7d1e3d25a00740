// trainkit SDK: typed access to one extension's validated options.
//
//   tk::option::choice("format", "json", {"json", "jsonl"}, "file format")   // in spec().options
//   auto filename = cfg.get_string("filename");   // the declared default when the manifest omits it
//   auto keys = cfg.get_string_list("keys");
//   auto format = cfg.get_choice("format");       // one of the declared choices
//   std::string out = cfg.out_dir();              // the run's output folder, already at construction
//
// The host validated the manifest against the class's declared options before create, so a getter only
// throws for an option the class did not declare or one with no default that the manifest left out.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "../abi.h"
#include "error.hpp"
#include "option_decls.hpp"

namespace tk {

// Declares one option; use in a class's spec().options list.
namespace option {
inline tk_option_decl make(const char* name, tk_option_type type, const char* def, const char* doc,
                           uint32_t flags = 0) {
  return tk_option_decl{sizeof(tk_option_decl), name, type, flags, def, doc, nullptr, 0};
}
inline tk_option_decl boolean(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_BOOL, def, doc); }
inline tk_option_decl integer(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_INT, def, doc); }
inline tk_option_decl real(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_FLOAT, def, doc); }
inline tk_option_decl string(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_STRING, def, doc); }
inline tk_option_decl string_list(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_STRING_LIST, def, doc); }
inline tk_option_decl real_list(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_FLOAT_LIST, def, doc); }
inline tk_option_decl integer_list(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_INT_LIST, def, doc); }
inline tk_option_decl trigger(const char* n, const char* def, const char* doc) { return make(n, TK_OPTION_TRIGGER, def, doc); }
inline tk_option_decl required(tk_option_decl d) { d.flags |= TK_OPTION_REQUIRED; return d; }

// A string out of a fixed set; the host refuses any other value with a did-you-mean. The values must be
// string literals (static); the array pointing to them is kept here until exit, as the host reads it
// for as long as the plugin is loaded, and plugins are never unloaded.
inline tk_option_decl choice(const char* n, const char* def, std::initializer_list<const char*> values,
                             const char* doc) {
  static auto* kept = new std::deque<std::vector<const char*>>();  // never freed, see above
  const std::vector<const char*>& array = kept->emplace_back(values);
  tk_option_decl d = make(n, TK_OPTION_CHOICE, def, doc);
  d.choices = array.data();
  d.choice_count = array.size();
  return d;
}
}  // namespace option

// Use to read options in an extension's or a dataset's constructor.
class Config {
 public:
  // cls: the class whose options raw holds, so get_choice can check its declared set (the wrapper's
  // create passes it).
  explicit Config(const tk_config* raw, const tk_extension_class* cls = nullptr)
      : raw_(raw), options_(cls ? cls->options : nullptr), option_count_(cls ? cls->option_count : 0) {}
  Config(const tk_config* raw, const tk_dataset_class* cls)
      : raw_(raw), options_(cls ? cls->options : nullptr), option_count_(cls ? cls->option_count : 0) {}

  std::string instance_name() const { return raw_->instance_name ? raw_->instance_name : ""; }

  // The absolute path of the run's output folder ("" from a host older than ABI 1.1, which a plugin built
  // against this SDK never meets in trainkit itself).
  std::string out_dir() const {
    return TK_HAS_MEMBER(tk_config, raw_, out_dir) && raw_->out_dir != nullptr ? raw_->out_dir : "";
  }

  std::optional<bool> find_bool(const char* name) const {
    int32_t v = 0;
    return found(raw_->get_bool(raw_, name, &v), name) ? std::optional<bool>(v != 0) : std::nullopt;
  }
  std::optional<int64_t> find_int(const char* name) const {
    int64_t v = 0;
    return found(raw_->get_i64(raw_, name, &v), name) ? std::optional<int64_t>(v) : std::nullopt;
  }
  std::optional<double> find_float(const char* name) const {
    double v = 0;
    return found(raw_->get_f64(raw_, name, &v), name) ? std::optional<double>(v) : std::nullopt;
  }
  std::optional<std::string> find_string(const char* name) const {
    const char* v = nullptr;
    return found(raw_->get_str(raw_, name, &v), name) ? std::optional<std::string>(v) : std::nullopt;
  }

  bool get_bool(const char* name) const { return require(find_bool(name), name); }
  int64_t get_int(const char* name) const { return require(find_int(name), name); }
  double get_float(const char* name) const { return require(find_float(name), name); }
  std::string get_string(const char* name) const { return require(find_string(name), name); }

  // A TK_OPTION_CHOICE option's value. The host already refused any value outside the declared set; this
  // checks again against the declaration, so a plugin may rely on the value being one of them.
  std::string get_choice(const char* name) const {
    std::string value = get_string(name);
    if (options_ == nullptr) return value;
    const tk_option_decl* decl = OptionDecls(options_, option_count_).find(name);
    if (decl == nullptr || decl->type != TK_OPTION_CHOICE)
      throw Error(TK_ERR_INTERNAL, "option \"", name, "\" is not declared as a choice");
    std::vector<std::string> choices = choices_of(*decl);
    std::string list;
    for (const std::string& c : choices) {
      if (c == value) return value;
      list += (list.empty() ? "\"" : ", \"") + c + "\"";
    }
    throw Error(TK_ERR_INVALID, name, " must be one of ", list, "; got \"", value, "\"");
  }

  std::vector<std::string> get_string_list(const char* name) const {
    std::vector<std::string> out;
    for (size_t i = 0, n = list_size(name); i < n; ++i) {
      const char* v = nullptr;
      detail::check(raw_->get_list_str(raw_, name, i, &v), name);
      out.emplace_back(v);
    }
    return out;
  }
  std::vector<double> get_float_list(const char* name) const {
    std::vector<double> out;
    for (size_t i = 0, n = list_size(name); i < n; ++i) {
      double v = 0;
      detail::check(raw_->get_list_f64(raw_, name, i, &v), name);
      out.push_back(v);
    }
    return out;
  }
  std::vector<int64_t> get_int_list(const char* name) const {
    std::vector<int64_t> out;
    for (size_t i = 0, n = list_size(name); i < n; ++i) {
      int64_t v = 0;
      detail::check(raw_->get_list_i64(raw_, name, i, &v), name);
      out.push_back(v);
    }
    return out;
  }
  bool has(const char* name) const {
    size_t n = 0;
    const char* s = nullptr;
    int32_t b = 0;
    int64_t i = 0;
    double d = 0;
    return raw_->get_str(raw_, name, &s) == TK_OK || raw_->get_i64(raw_, name, &i) == TK_OK ||
           raw_->get_f64(raw_, name, &d) == TK_OK || raw_->get_bool(raw_, name, &b) == TK_OK ||
           raw_->get_list_size(raw_, name, &n) == TK_OK;
  }

 private:
  static bool found(tk_status s, const char* name) {
    if (s == TK_NOT_FOUND) return false;
    detail::check(s, name);
    return true;
  }
  template <class T>
  static T require(const std::optional<T>& v, const char* name) {
    if (!v) throw Error(TK_ERR_INVALID, "option \"", name, "\" has no value and no default");
    return *v;
  }
  size_t list_size(const char* name) const {
    size_t n = 0;
    if (!found(raw_->get_list_size(raw_, name, &n), name)) return 0;
    return n;
  }

  const tk_config* raw_;
  const tk_option_decl* options_;  // the class's declarations, for get_choice
  size_t option_count_;
};

}  // namespace tk
