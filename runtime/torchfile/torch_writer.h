// trainkit torchfile: a state tree written in the "torch" snapshot format (Note [The torch snapshot format]
// in torch_format.h, which reads it), streamed: the pickle holds only the tree's shape, and each tensor's
// bytes go from the tree's own memory to the file (Note [Streaming the zip] in zip_writer.h). No LibTorch,
// no buffer the size of the file.
//
//   torchfile::write_torch_file(staged_tree, "/out/snapshot_iter_100");   // atomic; TrainingError
//
//   TorchWriter writer(tree.leaves);        // pickles; TrainingError naming a key the format cannot hold
//   if (int err = writer.write(fd)) ...;    // allocates nothing, throws nothing
//
// >>> d = torch.load("/out/snapshot_iter_100")   # Python: nested dicts of tensors and numbers
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "state/leaf_view.h"
#include "state/memory_tree.h"
#include "state/staged_tree.h"
#include "torchfile/zip_writer.h"

namespace trainkit::torchfile {

// Use to write one tree to a file descriptor. The leaves' memory must stay valid until write() returns.
class TorchWriter {
 public:
  // Throws TrainingError naming the key for what the format cannot hold: a key that is both a value and a
  // scope ("a" and "a/b"), an empty key part, a string that is not UTF-8, a tensor whose dtype is not one
  // of the format's or whose byte count does not match its shape.
  explicit TorchWriter(const std::map<std::string, state::LeafView>& leaves);
  // Returns 0, or the errno of the failed write.
  int write(int fd) noexcept { return zip_->write(fd); }

 private:
  std::vector<uint8_t> pickle_;  // data.pkl: small, the tree's shape and its scalars
  std::unique_ptr<ZipWriter> zip_;
};

// TorchWriter + state::AtomicReplacement (Note [Atomic file replacement]). TrainingError on failure; nothing
// is left at `path` then.
void write_torch_file(const std::map<std::string, state::LeafView>& leaves, const std::string& path);
void write_torch_file(const state::StagedTree& tree, const std::string& path);
void write_torch_file(const state::MemoryTree& tree, const std::string& path);

}  // namespace trainkit::torchfile
