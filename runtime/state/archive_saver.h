// trainkit state: a SAVE-mode Visitor that streams every visited value straight into an ArchiveWriter,
// the synchronous snapshot path: no second copy of the state is held in memory.
//
//   state::ArchiveWriter writer(path);
//   { state::ArchiveSaver saver(writer); trainer.visit(saver); }
//   writer.commit();
#pragma once

#include "state/archive_writer.h"
#include "state/path_visitor.h"

namespace trainkit::state {

// Use when the training loop may wait for the disk; for a short stall capture a MemoryTree instead.
class ArchiveSaver final : public PathVisitor {
 public:
  explicit ArchiveSaver(ArchiveWriter& writer) : writer_(writer) {}
  Mode mode() const override { return Mode::kSave; }
  bool value(const std::string& key, int64_t& v) override;
  bool value(const std::string& key, double& v) override;
  bool value(const std::string& key, bool& v) override;
  bool value(const std::string& key, std::string& v) override;
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override;
  // Writes the tensor's bytes from t.data (contiguous host memory, else trainkit::TrainingError).
  bool tensor(const std::string& key, const DLTensor& t) override;
  // SAVE mode has nothing to describe: always false (see MemorySaver::tensor_info).
  bool tensor_info(const std::string& key, DLDataType& dtype, std::vector<int64_t>& shape) override;

 private:
  bool add(const std::string& key, LeafType type, const void* data, size_t size);
  ArchiveWriter& writer_;
};

}  // namespace trainkit::state
