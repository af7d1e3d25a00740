#include "snapshot_writer/write_staged.h"

#include "torchfile/torch_writer.h"

namespace trainkit::snapshot_writer {

void write_staged_tree(const state::StagedTree& tree, const std::string& format, const std::string& path) {
  if (format == "torch")
    torchfile::write_torch_file(tree, path);
  else
    state::write_archive(tree, path);
}

}  // namespace trainkit::snapshot_writer
