// trainkit plugins: what a loaded entry and its extension and dataset classes must promise before the host
// uses them.
//
//   if (auto reason = check_entry(*entry)) refuse(*reason);        // magic, sizes, ABI, descriptor
//   if (auto reason = check_extension_class(cls, i)) refuse(*reason);
//
// Pure functions over the ABI structs: no loading, no registry state, so every rule is testable alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "trainkit/abi.h"
#include "trainkit/sdk/option_decls.hpp"

namespace trainkit {

// Note [Frozen v1.0 sizes]: "struct_size >= the v1.0 size" must keep meaning v1.0 after fields are
// appended in 1.1, so the sizes are spelled as the end of the last v1.0 member, never as sizeof().
// tk_option_decl's is tk::kOptionDeclSize1_0, next to the walk of option arrays it bounds.
inline constexpr uint32_t kEntrySizeV1_0 =
    offsetof(tk_plugin_entry, get_class) + sizeof(tk_plugin_entry::get_class);
inline constexpr uint32_t kDescriptorSizeV1_0 =
    offsetof(tk_plugin_descriptor, libtorch_version) + sizeof(tk_plugin_descriptor::libtorch_version);
inline constexpr uint32_t kExtensionClassSizeV1_0 =
    offsetof(tk_extension_class, find_resume_point) + sizeof(tk_extension_class::find_resume_point);
inline constexpr uint32_t kDatasetClassSizeV1_2 =
    offsetof(tk_dataset_class, visit_state) + sizeof(tk_dataset_class::visit_state);

// Magic, entry size, ABI major/minor, the entry's functions, and the descriptor (size, id, version,
// reverse-DNS id). Returns the refusal reason or nullopt.
std::optional<std::string> check_entry(const tk_plugin_entry& entry);

// The plugin's LibTorch against the host's; host_libtorch empty = the host does not check.
std::optional<std::string> check_libtorch(const tk_plugin_descriptor& descriptor, const std::string& host_libtorch);

// One class from get_class(index): non-null, size, name, create/destroy/call, state versions, and its
// option declarations: an array walkable by its stride (tk::OptionDecls), names that are present and not
// the manifest's own keys (use, name, trigger, priority), known types, and for a choice a non-empty set
// of distinct strings. Declared defaults are checked where they are parsed (bind_options).
std::optional<std::string> check_extension_class(const tk_extension_class* cls, size_t index);

// The dataset classes an entry offers (ABI 1.2): 0 for an entry built before 1.2 or without any. Only
// after init, like class_count.
size_t dataset_class_count(const tk_plugin_entry& entry);

// One class from get_dataset_class(index): non-null, size, name, create/destroy/describe/read_example,
// state versions and visit_state, and its option declarations as for an extension class.
std::optional<std::string> check_dataset_class(const tk_dataset_class* cls, size_t index);

}  // namespace trainkit
