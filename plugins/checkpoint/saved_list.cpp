#include "saved_list.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <trainkit/sdk/error.hpp>
#include <trainkit/sdk/json.hpp>

#include "filename.hpp"

namespace checkpoint_plugin {

namespace {
bool room_left(size_t size, int64_t n_saved) { return n_saved < 0 || size < static_cast<size_t>(n_saved); }

void sort_items(std::vector<Item>& items) {
  // Python's list.sort is stable: an item appended last stays after the equal ones already kept.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.priority < b.priority; });
}
}  // namespace

bool SavedList::wants(double priority) const {
  if (room_left(items_.size(), n_saved_)) return true;
  return greater_or_equal_ ? priority >= items_.front().priority : priority > items_.front().priority;
}

std::optional<SavedList::Plan> SavedList::plan(const Item& item) const {
  Plan plan;
  plan.after = items_;
  // A kept file of the same name is replaced: the atomic rename overwrites it, so it is never deleted.
  auto same = std::find_if(plan.after.begin(), plan.after.end(), [&](const Item& it) { return it.filename == item.filename; });
  if (same != plan.after.end()) plan.after.erase(same);
  plan.after.push_back(item);
  sort_items(plan.after);
  // Ignite pops saved[0] before appending when the list is full. Since a save only happens when the new
  // priority beats (or, with greater_or_equal, equals) saved[0], dropping the lowest after appending drops
  // the same item: stable sorting keeps an equal new item after the old one.
  while (n_saved_ > 0 && plan.after.size() > static_cast<size_t>(n_saved_)) {
    if (plan.after.front().filename == item.filename) return std::nullopt;
    plan.to_delete.push_back(plan.after.front().filename);
    plan.after.erase(plan.after.begin());
  }
  return plan;
}

std::optional<std::string> SavedList::last() const {
  if (items_.empty()) return std::nullopt;
  return items_.back().filename;
}

std::string SavedList::to_json(const std::vector<Item>& items) {
  tk::json::Value list = tk::json::Value::array();
  for (auto& it : items) {
    tk::json::Value pair = tk::json::Value::array();
    pair.push_back(it.priority);
    pair.push_back(it.filename);
    list.push_back(std::move(pair));
  }
  return tk::json::dump(list);
}

std::vector<Item> SavedList::from_json(const std::string& text) {
  tk::json::Value list;
  try {
    list = tk::json::parse(text);
  } catch (const std::exception& e) {
    throw tk::Error(TK_ERR_INVALID, "saved checkpoint list is not JSON: ", e.what());
  }
  auto bad = [&](const std::string& why) {
    return tk::Error(TK_ERR_INVALID, "saved checkpoint list ", text, ": ", why);
  };
  if (!list.is_array()) throw bad("not a list");
  std::vector<Item> items;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const tk::json::Value& pair = list.at(i);
    if (!pair.is_array() || pair.size() != 2 || !pair.at(0).is_number() ||
        pair.at(1).kind() != tk::json::Value::Kind::string)
      throw bad("entries must be [priority, \"file name\"]");
    Item item{pair.at(0).as_double(), pair.at(1).as_string()};
    if (std::isnan(item.priority)) throw bad("a priority is NaN");
    if (!is_plain_file_name(item.filename)) throw bad("\"" + item.filename + "\" is not a checkpoint file name");
    if (!names.insert(item.filename).second) throw bad("\"" + item.filename + "\" appears twice");
    items.push_back(std::move(item));
  }
  sort_items(items);
  return items;
}

}  // namespace checkpoint_plugin
