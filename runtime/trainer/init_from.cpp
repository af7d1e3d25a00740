#include "trainer/init_from.h"

#include "core/error.h"
#include "trainer/host_services.h"
#include "trainer/snapshot_io.h"

namespace trainkit {

void init_model_from(const std::string& path, bool strict, Session& session) {
  state::MemoryTree tree;
  try {
    tree = read_snapshot_file(path);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what()));
  }
  auto first_model = tree.leaves.lower_bound("model/");
  TK_CHECK(first_model != tree.leaves.end() && first_model->first.rfind("model/", 0) == 0, ResumeError,
           "cannot initialise the model from ", path, ": it holds no model weights");
  std::string account;
  try {
    account = session.init_model_from(tree, strict);
  } catch (const std::exception& e) {
    throw ResumeError(str_cat("cannot initialise the model from ", path, ": ", e.what(),
                              strict ? " (trainer.init_strict = false loads what fits)" : ""));
  }
  host_log(TK_LOG_INFO, "", str_cat("model initialised from ", path, ": ", account));
}

}  // namespace trainkit
