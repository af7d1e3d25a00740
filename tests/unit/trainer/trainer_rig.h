// Drives the real Trainer with a FakeSession and real fixture plugins, in the test process: the core of
// a run without the trainkit binary and without a data set.
//
//   TrainerRig rig(R"([[extension]]
//   use = "recorder"
//   journal = "JOURNAL")");                 // JOURNAL and OUT in the text become the rig's paths
//   RunEnd end = rig.run("6 iteration");
//   CHECK(rig.journal() == std::vector<std::string>{"recorder initialize 0", ...});
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "fake_session.h"
#include "manifest/manifest.h"
#include "plugin/plugin_registry.h"
#include "process.h"
#include "state/memory_tree.h"
#include "trainer/host_services.h"
#include "trainer/trainer.h"

namespace trainkit {

class TrainerRig {
 public:
  // `extensions`: [[extension]] tables; the words JOURNAL and OUT are replaced by the rig's paths.
  explicit TrainerRig(std::string extensions);

  void set_log_level(int32_t level) { services_.set_log_level(level); }

  // Later runs use these [[extension]] tables instead (a resume with another plugin set).
  void set_extensions(std::string extensions);

  // One run of the manifest with this stop. What leaves Trainer::run leaves here.
  RunEnd run(const std::string& stop, ResumeRequest resume = {}, int64_t fail_at_step = -1);
  // The fake session's step count when the last run ended (it continues from a resumed snapshot).
  int64_t steps() const { return steps_; }

  std::vector<std::string> journal() const;  // the recorder lines so far, in order
  void clear_journal() const;
  std::string out() const { return dir_.file("out"); }
  state::MemoryTree read_snapshot(const std::string& name) const;

 private:
  tk_test::TempDir dir_;
  std::string extensions_;
  HostServices services_;
  PluginRegistry registry_;
  int64_t steps_ = 0;
  std::unique_ptr<Manifest> manifest_;  // outlives the run: the trainer keeps a reference
};

}  // namespace trainkit
