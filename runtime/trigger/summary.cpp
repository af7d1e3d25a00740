#include "trigger/summary.h"

#include <cmath>

#include "core/error.h"

namespace trainkit {

void DictSummary::add(const Observation& observation) {
  for (const auto& kv : observation.items()) add(kv.first, kv.second);
}

void DictSummary::add(const std::string& key, double value, double weight) {
  Entry& e = entry(key);
  e.x += weight * value;
  e.x2 += weight * value * value;
  e.n += weight;
}

DictSummary::Entry& DictSummary::entry(const std::string& key) {
  auto it = index_.find(key);
  if (it != index_.end()) return entries_[it->second];
  index_.emplace(key, entries_.size());
  entries_.push_back(Entry{key});
  return entries_.back();
}

const DictSummary::Entry* DictSummary::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::optional<double> DictSummary::mean(const std::string& key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return e->x / e->n;
}

std::optional<double> DictSummary::std_dev(const std::string& key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  const double m = e->x / e->n;
  return std::sqrt(e->x2 / e->n - m * m);
}

std::vector<std::pair<std::string, double>> DictSummary::means() const {
  std::vector<std::pair<std::string, double>> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.emplace_back(e.name, e.x / e.n);
  return out;
}

std::vector<std::string> DictSummary::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

void DictSummary::reset() {
  entries_.clear();
  index_.clear();
}

void DictSummary::visit(state::Visitor& v) {
  int64_t size = static_cast<int64_t>(entries_.size());
  if (v.loading()) reset();
  if (!v.value("size", size)) return;
  TK_CHECK(size >= 0, ResumeError, "summary state holds a negative size (", size, ")");
  if (v.loading()) entries_.resize(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) {
    Entry& e = entries_[static_cast<size_t>(i)];
    v.scope(std::to_string(i), [&] {
      v.value("name", e.name);
      v.value("x", e.x);
      v.value("x2", e.x2);
      v.value("n", e.n);
    });
  }
  if (v.loading())
    for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
}

}  // namespace trainkit
