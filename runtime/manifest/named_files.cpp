// The files a manifest names, checked where the keys are written: a missing data folder or model file is
// reported as "manifest.toml:14:8: data.root: ...", not only by the path the loader failed to open.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/regular_file.h"
#include "manifest/manifest.h"
#include "manifest/value_checks.h"

namespace trainkit {

void check_named_files(const Manifest& manifest) {
  const DataConfig& data = manifest.data;
  if (data.format == "idx") {
    struct stat st {};
    if (::stat(data.root.c_str(), &st) != 0)
      throw ConfigError(str_cat(locate(data.root_pos, "data.root"), ": cannot read the data folder ", data.root, ": ",
                                errno == ENOENT ? "no such folder" : std::strerror(errno)));
    TK_CHECK(S_ISDIR(st.st_mode), ConfigError, locate(data.root_pos, "data.root"), ": ", data.root,
             " is not a folder (data.root names the folder that holds the IDX files)");
  }
  const ModelConfig& model = manifest.model;
  if (!model.torchscript.empty()) {
    const std::string why = not_a_regular_file(model.torchscript);
    TK_CHECK(why.empty(), ConfigError, locate(model.torchscript_pos, "model.torchscript"), ": cannot read ",
             model.torchscript, ": ", why);
  }
}

}  // namespace trainkit
