#include "trainer/snapshot_maker.h"

#include <memory>

#include "state/archive.h"
#include "state/staged_tree.h"

namespace trainkit {

tk_snapshot* SnapshotMaker::capture(const std::string& target, const std::string& format) {
  check_snapshot_request(target, format);
  auto snapshot = std::make_unique<tk_snapshot>();
  snapshot->format = format;
  snapshot->tree.memory = staging_->lease();
  state::StagingSaver saver(snapshot->tree);
  state_.save(saver, target);
  return snapshot.release();
}

void SnapshotMaker::write_now(const std::string& target, const std::string& format, const std::string& path) {
  check_snapshot_request(target, format);
  if (format == "torch") {  // a copy into warm staging memory, then streamed from there
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
