// End-to-end support: two runs' training states compared leaf by leaf (the tests that link it link tk_state).
//
//   check_same_leaves(read_archive(straight_snapshot), read_archive(resumed_snapshot));  // bit-exact resume
#pragma once

#include <string>
#include <vector>

#include "state/memory_tree.h"

namespace tk_test {

// Every leaf under each prefix is bit-identical in both trees (and present in both), and each prefix has at
// least one leaf. The default prefixes are the whole training state: a resume must restore all of it.
void check_same_leaves(const trainkit::state::MemoryTree& a, const trainkit::state::MemoryTree& b,
                       const std::vector<std::string>& prefixes = {"model/", "optimizer/", "updater/"});

}  // namespace tk_test
