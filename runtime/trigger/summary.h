// trainkit triggers: Chainer's DictSummary, the running means behind interval logs and best-value triggers.
//
//   DictSummary s;
//   s.add(observation);                 // every iteration
//   auto m = s.mean("main/loss");       // std::optional<double>
//   for (auto& [key, mean] : s.means()) ...   // in the order keys were first added
//   s.reset();                          // when the interval closes
//
// The sums are state: saved mid-interval and restored, the interval's mean comes out as if the run had
// never stopped (Chainer #3978: a resume at 0.5 epoch reported 7 instead of 4.5).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "state/visitor.h"
#include "trigger/observation.h"

namespace trainkit {

// Use to average scalars per key over a window of iterations.
class DictSummary {
 public:
  // Adds every key of the observation with weight 1.
  void add(const Observation& observation);
  // Adds one value; a weight w counts it w times (Chainer's (value, weight) tuple).
  void add(const std::string& key, double value, double weight = 1.0);

  // sum(w*x) / sum(w); empty when the key was not added since the last reset.
  std::optional<double> mean(const std::string& key) const;
  // sqrt(E[x^2] - E[x]^2), Chainer's make_statistics; empty like mean().
  std::optional<double> std_dev(const std::string& key) const;
  // Every key's mean, in first-added order.
  std::vector<std::pair<std::string, double>> means() const;

  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::vector<std::string> keys() const;

  void reset();
  // Saves `size` and per key i: `<i>/name`, `<i>/x`, `<i>/x2`, `<i>/n` (keys hold '/', so they are
  // values, not scope names). A load replaces the contents; a load without `size` leaves it empty.
  void visit(state::Visitor& v);

 private:
  struct Entry {
    std::string name;
    double x = 0;   // sum of w*value
    double x2 = 0;  // sum of w*value^2
    double n = 0;   // sum of w
  };
  Entry& entry(const std::string& key);
  const Entry* find(const std::string& key) const;

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace trainkit
