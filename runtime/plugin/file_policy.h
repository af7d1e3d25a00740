// trainkit plugins: refuse plugin files that someone other than you (or root) could have written.
//
//   if (auto reason = check_file_policy("/opt/plugins/snapshot.so")) refuse(*reason);
//
// ssh's StrictModes idea: loading a .so runs its code with your rights, so the file and the folder it sits
// in must be owned by you or root and not writable by group or others.
#pragma once

#include <optional>
#include <string>

namespace trainkit {

// Checks the file's real path (symlinks resolved) and its real parent folder. Returns the refusal
// reason, e.g. "/p/x.so is writable by group or others (chmod go-w)", or nullopt when both pass.
std::optional<std::string> check_file_policy(const std::string& path);

}  // namespace trainkit
