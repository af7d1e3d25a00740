// checkpoint: Ignite's `_saved`, the kept checkpoints [(priority, filename)] sorted ascending by priority,
// and the retention decision, split so that the new file is written before anything is deleted.
//
//   SavedList saved(/*n_saved=*/2, /*greater_or_equal=*/false);
//   if (saved.wants(0.78)) {
//     auto plan = saved.plan({0.78, "model_0.7800.tkpt"});   // nothing changed yet
//     if (plan) {
//       write the file ...;                                    // temp + fsync + rename
//       saved.apply(*plan);                                     // now the list holds it
//       for (auto& name : plan->to_delete) unlink(name);        // only after the commit
//     }
//   }
//
// The list is the instance's state (to_json / from_json), so retention keeps working after a resume.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace checkpoint_plugin {

struct Item {
  double priority;
  std::string filename;  // a plain name in out/
};

class SavedList {
 public:
  // n_saved: -1 keeps every checkpoint (Ignite's None).
  SavedList(int64_t n_saved, bool greater_or_equal) : n_saved_(n_saved), greater_or_equal_(greater_or_equal) {}

  // Ignite's save condition: room left, or the priority beats the lowest kept one (>= with greater_or_equal).
  bool wants(double priority) const;

  struct Plan {
    std::vector<Item> after;             // the list once the new file is committed, ascending
    std::vector<std::string> to_delete;  // files to unlink after the commit (never the new file's name)
  };
  // What saving item would do. Ignite's rules: a kept item with the same file name is replaced (its file is
  // overwritten in place by the rename, not deleted); otherwise, when the list is full, the lowest priority
  // goes. A list longer than n_saved (n_saved lowered since the state was saved) is trimmed to n_saved.
  // nullopt when the new item would itself be trimmed away (then nothing should be written).
  std::optional<Plan> plan(const Item& item) const;
  void apply(const Plan& plan) { items_ = plan.after; }

  const std::vector<Item>& items() const { return items_; }
  // Ignite's last_checkpoint: the file of the highest priority (the best score, not the newest file).
  std::optional<std::string> last() const;

  // [[priority, "filename"], ...]: Ignite's state_dict()["_saved"].
  static std::string to_json(const std::vector<Item>& items);
  // Throws tk::Error(TK_ERR_INVALID) for anything but a list of [number, plain file name] with unique names.
  // The result is sorted ascending (stable).
  static std::vector<Item> from_json(const std::string& text);
  void restore(std::vector<Item> items) { items_ = std::move(items); }

 private:
  const int64_t n_saved_;
  const bool greater_or_equal_;
  std::vector<Item> items_;  // ascending by priority; equal priorities in the order they were saved
};

}  // namespace checkpoint_plugin
