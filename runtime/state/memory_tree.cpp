#include "state/memory_tree.h"

#include <stdexcept>

namespace trainkit::state {

void MemoryVisitorBase::enter(const std::string& key) { scopes_.push_back(key); }

void MemoryVisitorBase::leave() {
  if (scopes_.empty()) throw std::logic_error("state visitor: leave() without enter()");
  scopes_.pop_back();
}

std::string MemoryVisitorBase::path(const std::string& key) const {
  std::string p;
  for (const auto& s : scopes_) p += s + "/";
  return p + key;
}

}  // namespace trainkit::state
