// The state archive reader on any bytes: read_archive (the whole tree) and verify_archive (bounded
// memory, used by autoload) must agree, and refuse only with ResumeError "<path>: <problem>".
#include <string>

#include "core/error.h"
#include "mem_file.h"
#include "state/archive_reader.h"
#include "targets.h"

namespace trainkit::fuzz {

void archive_reader(const uint8_t* data, size_t size) {
  static MemFile file;
  file.assign(data, size);
  const std::string& path = file.path();

  const state::ArchiveSummary summary = state::verify_archive(path);
  std::string refusal;
  try {
    const state::MemoryTree tree = state::read_archive(path);
    if (tree.leaves.size() != summary.entries)
      throw FuzzFinding("read_archive read " + std::to_string(tree.leaves.size()) + " entries, verify_archive counted " +
                        std::to_string(summary.entries));
  } catch (const ResumeError& e) {
    refusal = e.what();
  }
  if (refusal.empty() != summary.ok)
    throw FuzzFinding("read_archive " + (refusal.empty() ? std::string("read the file") : "refused: " + refusal) +
                      "; verify_archive " + (summary.ok ? "accepted it" : "refused: " + summary.problem));
  if (!summary.ok && refusal != path + ": " + summary.problem)
    throw FuzzFinding("read_archive said '" + refusal + "', verify_archive '" + summary.problem + "'");
  if (summary.bytes != size)
    throw FuzzFinding("verify_archive reports " + std::to_string(summary.bytes) + " bytes for a file of " +
                      std::to_string(size));
  if (state::looks_like_trainkit_archive(path) != (size >= 8 && summary.problem.find("bad magic") == std::string::npos))
    throw FuzzFinding("looks_like_trainkit_archive disagrees with the reader about the magic");
}

}  // namespace trainkit::fuzz
