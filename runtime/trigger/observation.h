// trainkit triggers: the observation of one iteration, a small ordered map of scalars.
//
//   Observation obs;
//   obs.report("main/loss", 0.41);
//   if (auto v = obs.find("main/loss")) ...
//
// Insertion order is kept, so logs and tables list keys in the order they were first reported.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trainkit {

// Use for the per-iteration key→value pairs extensions read and write.
class Observation {
 public:
  void report(const std::string& key, double value) {
    for (auto& kv : items_)
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    items_.emplace_back(key, value);
  }
  std::optional<double> find(const std::string& key) const {
    for (const auto& kv : items_)
      if (kv.first == key) return kv.second;
    return std::nullopt;
  }
  void clear() { items_.clear(); }
  size_t size() const { return items_.size(); }
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

}  // namespace trainkit
