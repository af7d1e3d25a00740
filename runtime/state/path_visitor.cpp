#include "state/path_visitor.h"

#include <stdexcept>

namespace trainkit::state {

void PathVisitor::enter(const std::string& key) {
  prefix_ends_.push_back(prefix_.size());
  prefix_ += key;
  prefix_ += '/';
}

void PathVisitor::leave() {
  if (prefix_ends_.empty()) throw std::logic_error("state visitor: leave() without enter()");
  prefix_.resize(prefix_ends_.back());
  prefix_ends_.pop_back();
}

std::string PathVisitor::path(const std::string& key) const { return prefix_ + key; }

}  // namespace trainkit::state
