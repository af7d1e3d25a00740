#include "trainer/resume.h"

#include "core/error.h"
#include "trainer/snapshot_io.h"

namespace trainkit {

std::string choose_resume_source(const ResumeRequest& request, const std::vector<ExtensionInstance*>& in_order,
                                 const std::function<tk_context(ExtensionInstance&)>& context_for) {
  if (!request.path.empty()) return request.path;
  for (ExtensionInstance* e : in_order)
    if (auto found = e->find_resume_point(context_for(*e), request.requested)) return *found;
  return "";
}

std::string resume_from(const std::string& path, RunState& state) {
  std::string format;
  state::MemoryTree tree;
  try {
    tree = read_snapshot_file(path, &format);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot resume from ", path, ": ", e.what()));
  }
  state.load(tree, path);
  return format;
}

}  // namespace trainkit
