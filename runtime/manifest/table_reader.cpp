#include "manifest/table_reader.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

template <class Store>
bool read_scalar(TableReader& r, const std::string& key, Kind kind, Store store) {
  const OptionValue* v = r.find(key);
  if (!v) return false;
  expect_kind(*v, r.path_of(key), kind);
  store(*v);
  return true;
}

template <class Item>
bool read_list(TableReader& r, const std::string& key, Kind item_kind, std::vector<Item>& out,
               Item (*item_of)(const OptionValue&)) {
  const OptionValue* v = r.find(key);
  if (!v) return false;
  expect_kind(*v, r.path_of(key), Kind::kArray);
  out.clear();
  for (size_t i = 0; i < v->items.size(); ++i) {
    expect_kind(v->items[i], str_cat(r.path_of(key), "[", i, "]"), item_kind);
    out.push_back(item_of(v->items[i]));
  }
  return true;
}

}  // namespace

std::string TableReader::path_of(const std::string& key) const { return dotted(path_, key); }

const OptionValue* TableReader::find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  return find_field(table_, key);
}

bool TableReader::read(const std::string& key, std::string& out) {
  return read_scalar(*this, key, Kind::kString, [&](const OptionValue& v) { out = v.s; });
}
bool TableReader::read(const std::string& key, int64_t& out) {
  return read_scalar(*this, key, Kind::kInt, [&](const OptionValue& v) { out = v.i; });
}
bool TableReader::read(const std::string& key, bool& out) {
  return read_scalar(*this, key, Kind::kBool, [&](const OptionValue& v) { out = v.b; });
}

bool TableReader::read(const std::string& key, double& out) {
  const OptionValue* v = find(key);
  if (!v) return false;
  out = number_of(*v, path_of(key));
  return true;
}

bool TableReader::read_or_inf(const std::string& key, double& out) {
  const OptionValue* v = find(key);
  if (!v) return false;
  const bool inf = v->kind == OptionValue::Kind::kFloat && std::isinf(v->f) && v->f > 0;
  out = inf ? v->f : number_of(*v, path_of(key));
  return true;
}

bool TableReader::read(const std::string& key, std::vector<int64_t>& out) {
  return read_list<int64_t>(*this, key, Kind::kInt, out, [](const OptionValue& v) { return v.i; });
}
bool TableReader::read(const std::string& key, std::vector<std::string>& out) {
  return read_list<std::string>(*this, key, Kind::kString, out, [](const OptionValue& v) { return v.s; });
}

void TableReader::require(bool ok, const std::string& key, const std::string& what) const {
  if (!ok) fail_at(at(key), path_of(key), what);
}

void TableReader::require_item(bool ok, const std::string& key, size_t index, const std::string& what) const {
  if (!ok) fail_at(at(key).items.at(index), item_path(key, index), what);
}

void TableReader::require_in(const std::string& key, double value, const catalogue::Range& range) const {
  trainkit::require_in(at(key), path_of(key), value, range);
}

void TableReader::require_item_in(const std::string& key, size_t index, double value,
                                  const catalogue::Range& range) const {
  trainkit::require_in(at(key).items.at(index), item_path(key, index), value, range);
}

void TableReader::require_choice(const std::string& key, const std::string& value,
                                 const std::vector<std::string>& choices) const {
  trainkit::require_choice(at(key), path_of(key), value, choices);
}

void TableReader::finish() const { reject_unknown_keys(table_, path_, known_); }

// A rule across keys may be broken while the key it names kept its default: the table is then the place.
const OptionValue& TableReader::at(const std::string& key) const {
  const OptionValue* value = find_field(table_, key);
  return value ? *value : table_;
}

std::string TableReader::item_path(const std::string& key, size_t index) const {
  return str_cat(path_of(key), "[", index, "]");
}

}  // namespace trainkit
