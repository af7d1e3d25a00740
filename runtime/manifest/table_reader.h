// trainkit manifest: reading one table's keys by name with their kinds checked; whatever else the table
// holds is reported as unknown (with a did-you-mean) by finish(). Used by the section readers.
//
//   TableReader r(table, "data");
//   if (r.read("batch_size", d.batch_size)) r.require(d.batch_size > 0, "batch_size", "must be > 0");
//   r.finish();   // "manifest.toml:3:1: data: unknown key \"batchsize\" (did you mean \"batch_size\"?)"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalogue/range.h"
#include "manifest/option_value.h"

namespace trainkit {

// Use to read one table; the keys asked for are its known keys.
class TableReader {
 public:
  TableReader(const OptionValue& table, std::string path) : table_(table), path_(std::move(path)) {}

  std::string path_of(const std::string& key) const;
  const OptionValue& table() const { return table_; }

  // The value of `key`, or nullptr; either way `key` is known from now on.
  const OptionValue* find(const std::string& key);

  // Each stores the value and returns true when `key` is present; ConfigError for a value of another kind.
  bool read(const std::string& key, std::string& out);
  bool read(const std::string& key, int64_t& out);
  bool read(const std::string& key, bool& out);
  bool read(const std::string& key, double& out);  // an integer is taken too; inf and nan are refused
  // As read(double), and `inf` is taken too: for the keys where PyTorch gives it a meaning (clipping).
  bool read_or_inf(const std::string& key, double& out);
  bool read(const std::string& key, std::vector<int64_t>& out);
  bool read(const std::string& key, std::vector<std::string>& out);

  // Throws at the value of `key` (at the table when `key` is absent) unless `ok`.
  void require(bool ok, const std::string& key, const std::string& what) const;
  // Same for item `index` of the list at `key`.
  void require_item(bool ok, const std::string& key, size_t index, const std::string& what) const;
  // Throws with the range's rule unless it admits `value`, the value of `key` (or of its item `index`).
  void require_in(const std::string& key, double value, const catalogue::Range& range) const;
  void require_item_in(const std::string& key, size_t index, double value, const catalogue::Range& range) const;
  // Throws unless `value` of `key` is one of `choices`, suggesting the closest.
  void require_choice(const std::string& key, const std::string& value, const std::vector<std::string>& choices) const;

  // Reports the first key no read() or find() asked for.
  void finish() const;

 private:
  const OptionValue& at(const std::string& key) const;
  std::string item_path(const std::string& key, size_t index) const;

  const OptionValue& table_;
  std::string path_;
  std::vector<std::string> known_;
};

}  // namespace trainkit
