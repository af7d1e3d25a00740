// The state archive reader on any bytes: read_archive (the whole tree) and verify_archive (bounded
// memory, used by autoload) must agree, and refuse only with ResumeError "<path>: <problem>".
#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "mem_file.h"
#include "state/archive_format.h"
#include "state/archive_reader.h"
#include "targets.h"

namespace trainkit::fuzz {

// The reader's refusal of a file that is not a trainkit archive (runtime/state/archive_reader.cpp).
constexpr const char* kBadMagic = "not a trainkit snapshot (bad magic)";

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
  // Judged on the bytes, not on the message: an entry's name may well contain the words "bad magic".
  namespace fmt = state::archive_format;
  // A file shorter than the magic is refused for the magic if the bytes it has already differ.
  const size_t head = std::min(size, sizeof fmt::kMagic);
  const bool head_matches = size == 0 || std::memcmp(data, fmt::kMagic, head) == 0;
  const bool magic = size >= sizeof fmt::kMagic && head_matches;
  if (state::looks_like_trainkit_archive(path) != magic)
    throw FuzzFinding("looks_like_trainkit_archive disagrees with the bytes about the magic");
  const bool refused_for_magic = summary.problem == kBadMagic;
  if (refused_for_magic == head_matches)
    throw FuzzFinding("verify_archive " + std::string(refused_for_magic ? "refused" : "did not refuse") +
                      " the file for its magic, whose first " + std::to_string(head) + " bytes " +
                      (head_matches ? "match" : "differ"));
}

}  // namespace trainkit::fuzz
