#include "scheduler/scheduler.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace trainkit {

std::string unique_instance_name(const std::string& wanted, std::vector<std::string>& taken) {
  auto is_taken = [&](const std::string& n) { return std::find(taken.begin(), taken.end(), n) != taken.end(); };
  std::string name = wanted;
  for (int ordinal = 1; is_taken(name); ++ordinal) name = wanted + "_" + std::to_string(ordinal);
  taken.push_back(name);
  return name;
}

std::vector<size_t> priority_order(const std::vector<int64_t>& priorities) {
  std::vector<size_t> order(priorities.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return priorities[a] > priorities[b]; });
  return order;
}

size_t Scheduler::add(std::string name, int64_t priority, std::unique_ptr<Trigger> trigger,
                      std::function<void()> call) {
  if (!trigger) throw std::invalid_argument("scheduler: entry \"" + name + "\" has no trigger");
  for (const Entry& e : entries_)
    if (e.name == name) throw std::invalid_argument("scheduler: two entries are named \"" + name + "\"");
  entries_.push_back(Entry{std::move(name), priority, std::move(trigger), std::move(call)});
  std::vector<int64_t> priorities;
  priorities.reserve(entries_.size());
  for (const Entry& e : entries_) priorities.push_back(e.priority);
  order_ = priority_order(priorities);
  return entries_.size() - 1;
}

void Scheduler::run_iteration(const TriggerContext& ctx, const std::function<void()>& after_triggers) {
  std::vector<size_t> deferred;  // allocates only on iterations where a snapshot fires
  for (size_t index : order_) {
    Entry& e = entries_[index];
    if (before_trigger_) before_trigger_(index);
    if (!(*e.trigger)(ctx)) continue;
    if (e.priority == kPrioritySnapshot)
      deferred.push_back(index);
    else if (e.call)
      e.call();
  }
  if (after_triggers) after_triggers();
  for (size_t index : deferred)
    if (entries_[index].call) entries_[index].call();
}

void Scheduler::visit(state::Visitor& v) {
  for (Entry& e : entries_)
    v.scope(e.name, [&] { v.scope("trigger", [&] { e.trigger->visit(v); }); });
}

}  // namespace trainkit
