#include "trainer/snapshot_maker.h"

#include <memory>

#include "state/archive.h"
#include "torch/torch_format.h"

namespace trainkit {

tk_snapshot* SnapshotMaker::capture(const std::string& target, const std::string& format) {
  check_snapshot_request(target, format);
  auto snapshot = std::make_unique<tk_snapshot>();
  snapshot->format = format;
  {
    state::MemorySaver saver(snapshot->tree);
    state_.save(saver, target);
  }
  if (format == "torch") {
    snapshot->encoded = encode_torch(snapshot->tree);
    snapshot->tree = state::MemoryTree{};
  }
  return snapshot.release();
}

void SnapshotMaker::write_now(const std::string& target, const std::string& format, const std::string& path) {
  check_snapshot_request(target, format);
  if (format == "torch") {
    std::unique_ptr<tk_snapshot> snapshot(capture(target, format));
    write_captured(*snapshot, path);
    return;
  }
  state::ArchiveWriter writer(path);
  state::ArchiveSaver saver(writer);
  state_.save(saver, target);
  writer.commit();
}

}  // namespace trainkit
