// trainkit SDK: a class's option declarations as whoever reads them must walk them -- by the plugin's
// own stride. The host, `trainkit plugins --describe`, test hosts and the wrapper's choice getter use it.
//
//   tk::OptionDecls decls(*cls);
//   if (auto why = decls.problem()) refuse(*why);            // the array cannot be walked
//   for (const tk_option_decl& d : decls) show(d.name, tk::choices_of(d));
//
// Note [Options are walked by their stride]: tk_extension_class.options is an array the plugin built
// with ITS sizeof(tk_option_decl). A plugin built against an older SDK has shorter elements than this
// header's struct, so `options[i]` (which steps by this header's sizeof) would land in the middle of
// another element. The stride is options[0].struct_size instead; it must be at least SDK 1.0's size, a
// multiple of the struct's alignment (as any C array's element size is), and repeated by every element.
// Members appended after 1.0 are read only when the element's struct_size covers them (TK_HAS_MEMBER).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "../abi.h"

namespace tk {

// SDK 1.0's tk_option_decl ended with doc. Spelled as that end, not as a number or a sizeof, so it keeps
// meaning 1.0 when members are appended.
inline constexpr size_t kOptionDeclSize1_0 = offsetof(tk_option_decl, doc) + sizeof(tk_option_decl::doc);

// Use to read tk_extension_class.options or tk_dataset_class.options; never index the array yourself.
class OptionDecls {
 public:
  OptionDecls(const tk_option_decl* options, size_t count)
      : base_(reinterpret_cast<const unsigned char*>(options)), count_(count) {
    problem_ = find_problem();
    if (problem_) count_ = 0;  // an array that cannot be walked is never read
  }
  explicit OptionDecls(const tk_extension_class& cls) : OptionDecls(cls.options, cls.option_count) {}
  explicit OptionDecls(const tk_dataset_class& cls) : OptionDecls(cls.options, cls.option_count) {}

  // Why the array cannot be walked, or nullopt. A class with a problem has no declarations here.
  const std::optional<std::string>& problem() const { return problem_; }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const tk_option_decl& operator[](size_t i) const { return at_stride(i); }

  // The declaration named name, or nullptr.
  const tk_option_decl* find(const std::string& name) const {
    for (const tk_option_decl& d : *this)
      if (d.name != nullptr && name == d.name) return &d;
    return nullptr;
  }

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = tk_option_decl;
    using difference_type = std::ptrdiff_t;
    using pointer = const tk_option_decl*;
    using reference = const tk_option_decl&;
    iterator(const OptionDecls* decls, size_t i) : decls_(decls), i_(i) {}
    reference operator*() const { return (*decls_)[i_]; }
    pointer operator->() const { return &(*decls_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const OptionDecls* decls_;
    size_t i_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, count_); }

 private:
  const tk_option_decl& at_stride(size_t i) const {
    return *reinterpret_cast<const tk_option_decl*>(base_ + i * stride_);
  }

  std::optional<std::string> find_problem() {
    if (count_ == 0) return std::nullopt;
    if (base_ == nullptr) return "declares " + std::to_string(count_) + " options but no array";
    stride_ = reinterpret_cast<const tk_option_decl*>(base_)->struct_size;
    if (stride_ < kOptionDeclSize1_0)
      return "option #0 has struct_size " + std::to_string(stride_) + ", smaller than SDK 1.0's " +
             std::to_string(kOptionDeclSize1_0);
    if (stride_ % alignof(tk_option_decl) != 0)
      return "option #0 has struct_size " + std::to_string(stride_) + ", not a multiple of " +
             std::to_string(alignof(tk_option_decl)) + " (not an array element's size)";
    for (size_t i = 1; i < count_; ++i)
      if (at_stride(i).struct_size != stride_)
        return "option #" + std::to_string(i) + " has struct_size " + std::to_string(at_stride(i).struct_size) +
               ", option #0 has " + std::to_string(stride_) + " (one array has one element size)";
    return std::nullopt;
  }

  const unsigned char* base_;
  size_t count_;
  size_t stride_ = 0;
  std::optional<std::string> problem_;
};

// The allowed values of a TK_OPTION_CHOICE declaration; empty for other types and for a declaration
// whose struct_size ends before the choices (built against SDK 1.0).
inline std::vector<std::string> choices_of(const tk_option_decl& d) {
  std::vector<std::string> out;
  if (d.type != TK_OPTION_CHOICE || !TK_HAS_MEMBER(tk_option_decl, &d, choice_count) || d.choices == nullptr)
    return out;
  for (size_t i = 0; i < d.choice_count; ++i) out.emplace_back(d.choices[i] != nullptr ? d.choices[i] : "");
  return out;
}

}  // namespace tk
