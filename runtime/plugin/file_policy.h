// trainkit plugins: refuse plugin files that someone other than you (or root) could have written or
// swapped.
//
//   if (auto reason = check_file_policy("/opt/plugins/sub/snapshot.so", "/opt/plugins")) refuse(*reason);
//
// ssh's StrictModes idea: loading a .so runs its code with your rights. Whoever can write a folder on the
// way to a plugin can rename the next folder away and put their own in its place, so:
// - the file, and every folder from its own up to the search folder it was found in (the search folder
//   included), must be owned by you or root and not writable by group or others;
// - above the search folder, up to "/", no folder may be writable by anyone (o+w) unless it has the
//   sticky bit, as /tmp has (then nobody can rename what others own in it). Owners and group write are
//   not judged there: a checkout owned by a colleague or a container's build user is common, and a
//   folder the user chose to search is where their trust starts.
#pragma once

#include <optional>
#include <string>

namespace trainkit {

// Judges the file's real path (symlinks resolved) and the real folders above it as described above;
// root is the search folder (resolved too), "" for the file's own folder. When the real file lies
// outside root (a symlink leading out of the search folder), its own folder and root are held to the
// strict rule, and the folders above each to the o+w rule. Returns the refusal reason, e.g.
// "/p is writable by group or others (chmod go-w)", or nullopt when all pass.
std::optional<std::string> check_file_policy(const std::string& path, const std::string& root = "");

}  // namespace trainkit
