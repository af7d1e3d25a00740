// trainkit plugins: the steps that open one plugin file and ask it who it is. The host's registry and
// the out-of-process scanner (runtime/plugin_scanner) both run them, so both judge a file in one way and
// with the same words.
//
//   const tk_plugin_entry* entry = nullptr;
//   if (auto reason = open_entry(path, &entry)) refuse(*reason);       // dlopen, dlsym, check_entry
//   if (auto reason = call_init(*entry, host)) refuse(*reason);
//   std::vector<const tk_extension_class*> classes;
//   if (auto reason = read_classes(*entry, &classes)) { call_deinit(*entry); refuse(*reason); }
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trainkit/abi.h"

namespace trainkit {

// dlopen(RTLD_NOW | RTLD_LOCAL) for good (Note [Plugins are never unloaded]), the entry symbol, and
// check_entry. Sets *entry only when it returns nullopt.
std::optional<std::string> open_entry(const std::string& path, const tk_plugin_entry** entry);

// The plugin's init; a C++ exception escaping it (which the ABI forbids) is a refusal too.
std::optional<std::string> call_init(const tk_plugin_entry& entry, const tk_host* host);

// The plugin's deinit, if it has one; anything it throws is swallowed (nothing useful is left to do).
void call_deinit(const tk_plugin_entry& entry) noexcept;

// After init: every class from get_class, checked (check_extension_class), with names unique within the
// plugin. Fills *classes in get_class order only when it returns nullopt.
std::optional<std::string> read_classes(const tk_plugin_entry& entry, std::vector<const tk_extension_class*>* classes);

// Likewise for the dataset classes (ABI 1.2; none for an older entry): each checked (check_dataset_class),
// names unique within the plugin.
std::optional<std::string> read_dataset_classes(const tk_plugin_entry& entry,
                                                std::vector<const tk_dataset_class*>* classes);

}  // namespace trainkit
