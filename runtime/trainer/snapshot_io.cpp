#include "trainer/snapshot_io.h"

#include "core/error.h"
#include "state/archive.h"
#include "torch/torch_format.h"

namespace trainkit {

void check_snapshot_request(const std::string& target, const std::string& format) {
  TK_CHECK(format == "trainkit" || format == "torch", ConfigError, "snapshot format \"", format,
           "\" is not \"trainkit\" or \"torch\"");
  TK_CHECK(target == "trainer" || target == "model", ConfigError, "snapshot target \"", target,
           "\" is not \"trainer\" or \"model\"");
}

void write_captured(const tk_snapshot& snapshot, const std::string& path) {
  if (snapshot.format == "torch")
    write_bytes_atomically(path, snapshot.encoded);
  else
    state::write_archive(snapshot.tree, path);
}

state::MemoryTree read_snapshot_file(const std::string& path, std::string* format) {
  if (state::looks_like_trainkit_archive(path)) {
    if (format) *format = "trainkit";
    return state::read_archive(path);
  }
  if (looks_like_torch_file(path)) {
    if (format) *format = "torch";
    return read_torch_file(path);
  }
  // read_archive gives the precise reason (empty, truncated header, bad magic).
  return state::read_archive(path);
}

SnapshotCheck verify_snapshot_file(const std::string& path) {
  SnapshotCheck check;
  try {
    state::MemoryTree tree = read_snapshot_file(path, &check.format);
    auto it = tree.leaves.find("trainer/iteration");
    if (it != tree.leaves.end())
      if (const int64_t* i = std::get_if<int64_t>(&it->second)) check.iteration = *i;
    check.ok = true;
  } catch (const std::exception& e) {
    check.problem = e.what();
  }
  return check;
}

}  // namespace trainkit
