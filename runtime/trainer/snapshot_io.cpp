#include "trainer/snapshot_io.h"

#include "core/error.h"
#include "snapshot_writer/write_staged.h"
#include "state/archive.h"
#include "torchfile/torch_format.h"

namespace trainkit {

StateParts parse_target(const std::string& target) {
  StateParts parts;
  if (target == "trainer") return parts;
  parts = StateParts{false, false, false, false, false};
  size_t start = 0;
  while (start <= target.size()) {
    size_t plus = target.find('+', start);
    std::string part = target.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    if (part == "model") parts.model = true;
    else if (part == "optimizer") parts.optimizer = true;
    else if (part == "updater") parts.updater = true;
    else if (part == "counters") parts.counters = true;
    else if (part == "extensions") parts.extensions = true;
    else
      throw ConfigError(str_cat("snapshot target \"", target, "\": \"", part,
                                "\" is not one of trainer, model, optimizer, updater, counters, extensions"));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return parts;
}

void check_snapshot_request(const std::string& target, const std::string& format) {
  TK_CHECK(format == "trainkit" || format == "torch", ConfigError, "snapshot format \"", format,
           "\" is not \"trainkit\" or \"torch\"");
  parse_target(target);
}

void write_captured(const tk_snapshot& snapshot, const std::string& path) {
  snapshot_writer::write_staged_tree(snapshot.tree, snapshot.format, path);
}

state::MemoryTree read_snapshot_file(const std::string& path, std::string* format) {
  if (state::looks_like_trainkit_archive(path)) {
    if (format) *format = "trainkit";
    return state::read_archive(path);
  }
  if (torchfile::looks_like_torch_file(path)) {
    if (format) *format = "torch";
    return torchfile::read_torch_file(path);
  }
  // read_archive gives the precise reason (empty, truncated header, bad magic).
  return state::read_archive(path);
}

SnapshotCheck verify_snapshot_file(const std::string& path) {
  SnapshotCheck check;
  if (state::looks_like_trainkit_archive(path)) {
    // Streams the file through the checksums in bounded memory instead of loading the tree.
    state::ArchiveSummary summary = state::verify_archive(path);
    check.format = "trainkit";
    check.ok = summary.ok;
    check.problem = summary.problem;
    check.iteration = summary.iteration ? *summary.iteration : -1;
    return check;
  }
  try {
    state::MemoryTree tree = read_snapshot_file(path, &check.format);
    if (const int64_t* i = state::find_leaf<int64_t>(tree, "trainer/iteration")) check.iteration = *i;
    check.ok = true;
  } catch (const std::exception& e) {
    check.problem = e.what();
  }
  return check;
}

}  // namespace trainkit
