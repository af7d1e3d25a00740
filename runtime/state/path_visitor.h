// trainkit state: the scope bookkeeping every concrete Visitor shares: enter()/leave() push and pop
// scope names, and path(key) is the '/'-joined key path ("trainer/stop_trigger/previous_iteration").
#pragma once

#include <string>
#include <vector>

#include "state/visitor.h"

namespace trainkit::state {

// Use as the base of a Visitor that addresses leaves by their full path.
class PathVisitor : public Visitor {
 public:
  void enter(const std::string& key) override;
  void leave() override;

 protected:
  std::string path(const std::string& key) const;

 private:
  std::string prefix_;              // "a/b/" for scopes {a, b}
  std::vector<size_t> prefix_ends_;  // prefix_.size() before each enter(), so leave() is O(1)
};

}  // namespace trainkit::state
