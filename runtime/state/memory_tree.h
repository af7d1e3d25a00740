// trainkit state: an in-memory state tree and the visitors that fill it and read it back.
//
//   state::MemoryTree tree;
//   { state::MemorySaver saver(tree); trigger.visit(saver); }
//   { state::MemoryLoader loader(tree); restored.visit(loader); }
//
// Keys are '/'-joined paths ("trainer/stop_trigger/previous_iteration").
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "state/visitor.h"

namespace trainkit::state {

using Leaf = std::variant<int64_t, double, bool, std::string, std::vector<uint8_t>>;

// Use to hold a state tree in memory, e.g. in tests or before it is written out.
struct MemoryTree {
  std::map<std::string, Leaf> leaves;
};

// Shared path bookkeeping of the two memory visitors.
class MemoryVisitorBase : public Visitor {
 public:
  void enter(const std::string& key) override;
  void leave() override;

 protected:
  std::string path(const std::string& key) const;
  std::vector<std::string> scopes_;
};

class MemorySaver final : public MemoryVisitorBase {
 public:
  explicit MemorySaver(MemoryTree& tree) : tree_(tree) {}
  Mode mode() const override { return Mode::kSave; }
  bool value(const std::string& key, int64_t& v) override { return put(key, v); }
  bool value(const std::string& key, double& v) override { return put(key, v); }
  bool value(const std::string& key, bool& v) override { return put(key, v); }
  bool value(const std::string& key, std::string& v) override { return put(key, v); }
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override { return put(key, v); }

 private:
  template <class T>
  bool put(const std::string& key, const T& v) {
    tree_.leaves[path(key)] = v;
    return true;
  }
  MemoryTree& tree_;
};

class MemoryLoader final : public MemoryVisitorBase {
 public:
  explicit MemoryLoader(const MemoryTree& tree) : tree_(tree) {}
  Mode mode() const override { return Mode::kLoad; }
  bool value(const std::string& key, int64_t& v) override { return get(key, v); }
  bool value(const std::string& key, double& v) override { return get(key, v); }
  bool value(const std::string& key, bool& v) override { return get(key, v); }
  bool value(const std::string& key, std::string& v) override { return get(key, v); }
  bool bytes(const std::string& key, std::vector<uint8_t>& v) override { return get(key, v); }

 private:
  template <class T>
  bool get(const std::string& key, T& v) {
    auto it = tree_.leaves.find(path(key));
    if (it == tree_.leaves.end()) return false;
    const T* stored = std::get_if<T>(&it->second);
    if (stored == nullptr) throw std::runtime_error("state key " + path(key) + " has another type");
    v = *stored;
    return true;
  }
  const MemoryTree& tree_;
};

}  // namespace trainkit::state
