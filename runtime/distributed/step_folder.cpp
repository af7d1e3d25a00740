#include "distributed/step_folder.h"

#include <filesystem>

#include "core/error.h"

namespace trainkit::distributed {

std::string part_to_load(const std::string& path, int rank) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  TK_CHECK(fs::exists(fs::path(path) / "complete", ec), ResumeError, "cannot resume from ", path,
           ": it is not a complete snapshot step (no \"complete\" marker: some rank never finished its part)");
  int parts = 0;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("rank_", 0) == 0) ++parts;
  TK_CHECK(parts > 0, ResumeError, "cannot resume from ", path, ": the step folder holds no rank_<K> part");
  return (fs::path(path) / ("rank_" + std::to_string(rank % parts))).string();
}

}  // namespace trainkit::distributed
