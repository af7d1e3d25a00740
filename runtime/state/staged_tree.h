// trainkit state: a state tree captured into staging memory (staging_pool.h): the training thread copies
// each value once into warm memory and goes on; a writer thread or process writes the tree out later.
//
//   state::StagedTree tree{pool->lease(), {}};
//   { state::StagingSaver saver(tree); run_state.save(saver, "trainer"); }   // the stall: copies only
//   state::write_archive(tree, "/out/snapshot_iter_100");                    // later, on any thread
//   tree = {};                                                               // the area goes back to the pool
#pragma once

#include <map>
#include <string>

#include "state/leaf_view.h"
#include "state/path_visitor.h"
#include "state/staging_pool.h"

namespace trainkit::state {

// Use as the copy a background snapshot writes. Every view points into `memory`, so the tree is
// self-contained, and a writer process can write it from the area's memfd (snapshot_writer/request.h). Keys are sorted like a MemoryTree's.
struct StagedTree {
  StagingPool::Lease memory;
  std::map<std::string, LeafView> leaves;
};

// Use to capture state into a StagedTree: SAVE mode; values and tensor bytes are copied into the tree's
// staging area before each call returns. A key saved twice keeps the last value (as MemorySaver).
class StagingSaver final : public PathVisitor {
 public:
  explicit StagingSaver(StagedTree& tree) : tree_(tree) {}
  Mode mode() const override { return Mode::kSave; }
  bool value(const std::string& key, int64_t& v) override { return put(key, LeafType::kInt64, &v, sizeof v); }
  bool value(const std::string& key, double& v) override { return put(key, LeafType::kFloat64, &v, sizeof v); }
  bool value(const std::string& key, bool& v) override;
  bool value(const std::string& key, std::string& v) override { return put(key, LeafType::kString, v.data(), v.size()); }
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override { return put(key, LeafType::kBytes, v.data(), v.size()); }
  // Copies t's bytes (contiguous host memory, else trainkit::TrainingError naming the key).
  bool tensor(const std::string& key, const DLTensor& t) override;
  // SAVE mode has nothing to describe: always false (see MemorySaver::tensor_info).
  bool tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) override;

 private:
  bool put(const std::string& key, LeafType type, const void* data, size_t size);
  LeafView& copy_in(const std::string& path, LeafType type, const void* data, size_t size);
  StagedTree& tree_;
};

// Writes a staged tree to `path` as a "trainkit" archive (ArchiveWriter), leaves in key order.
void write_archive(const StagedTree& tree, const std::string& path);

// A MemoryTree holding the same leaves (copies them), for code that reads trees.
MemoryTree to_memory_tree(const StagedTree& tree);

}  // namespace trainkit::state
