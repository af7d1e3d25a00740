// trainkit plugins: what a plugin folder holds, entry by entry, judged by lstat/stat alone.
//
//   std::string problem;
//   for (const FolderEntry& e : list_plugin_folder("/opt/plugins", &problem))
//     e.refusal ? refuse(e.path, *e.refusal) : load(e.path);
//
// Every entry named *.so is listed, so `trainkit plugins` can say why one was not loaded. Nothing is
// opened here: a FIFO named x.so would block an open until someone writes to it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trainkit {

// Use for one *.so entry of a plugin folder.
struct FolderEntry {
  std::string path;                   // folder + "/" + name
  std::optional<std::string> refusal; // nullopt: a regular file, or a symlink to one
};

// Every *.so entry of dir, sorted by name (so the first of two plugins with one id is the same on every
// machine). A symlink is judged by what it leads to; "a symlink loop", "a dangling symlink to <target>",
// "a directory", "a FIFO (named pipe)", "a character device", ... are refusals. When dir cannot be read,
// *problem says why (the entries read until then are still returned).
std::vector<FolderEntry> list_plugin_folder(const std::string& dir, std::string* problem);

}  // namespace trainkit
