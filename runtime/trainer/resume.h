// trainkit trainer: which snapshot a run resumes from, and restoring it.
//
//   std::string path = choose_resume_source(request, instances_in_order, context_for);
//   if (!path.empty()) format = resume_from(path, run_state);   // everything, all or nothing
//
// Note [State before initialize]: Chainer restores a snapshot inside the snapshot extension's
// initialize, after other extensions (an LR shift) already initialized from defaults. Here the host
// restores everything first, then initializes, so initialize sees the restored state.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <trainkit/abi.h>

#include "trainer/extension_instance.h"
#include "trainer/run_state.h"

namespace trainkit {

// How a run starts: from scratch, or from a snapshot.
struct ResumeRequest {
  std::string path;        // --resume PATH: exactly this file
  bool requested = false;  // --resume without a path: the newest valid snapshot the extensions know of
};

// The snapshot to start from: request.path, else the first instance in `in_order` whose
// find_resume_point names one (asked with requested = request.requested), else "".
std::string choose_resume_source(const ResumeRequest& request, const std::vector<ExtensionInstance*>& in_order,
                                 const std::function<tk_context(ExtensionInstance&)>& context_for);

// Reads and verifies the whole file, then restores every part of the run; returns the file's format.
// ResumeError when the file is unreadable or does not fit this run; nothing is restored then.
std::string resume_from(const std::string& path, RunState& state);

}  // namespace trainkit
