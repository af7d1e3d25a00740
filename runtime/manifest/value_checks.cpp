#include "manifest/value_checks.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string dotted(const std::string& table_path, const std::string& key) {
  return table_path.empty() ? key : table_path + "." + key;
}

std::string locate(const SourcePos& pos, const std::string& key_path) {
  if (pos.file.empty()) return key_path;  // a value built in code, placed nowhere
  if (pos.line > 0 || pos.file != kOverrideFile) return key_path.empty() ? pos.str() : pos.str() + ": " + key_path;
  return key_path.empty() ? pos.file : pos.file + " " + key_path;
}

[[noreturn]] void fail_at(const OptionValue& value, const std::string& key_path, const std::string& what) {
  throw ConfigError(str_cat(locate(value.pos, key_path), ": ", what));
}

const OptionValue* find_field(const OptionValue& table, const std::string& key) {
  for (const auto& [name, value] : table.fields)
    if (name == key) return &value;
  return nullptr;
}

// A float key takes an integer too: `lr = 1` means 1.0. Few keys mean anything by inf and none by nan, so
// both are refused here, once for every key; the clipping keys, where inf is PyTorch's max-norm, read
// through TableReader::read_or_inf.
double number_of(const OptionValue& value, const std::string& key_path) {
  if (value.kind == Kind::kInt) return static_cast<double>(value.i);
  expect_kind(value, key_path, Kind::kFloat);
  if (!std::isfinite(value.f)) fail_at(value, key_path, str_cat("must be a finite number, not ", value.f));
  return value.f;
}

const char* describe_kind(OptionValue::Kind kind) {
  switch (kind) {
    case Kind::kBool: return "a boolean";
    case Kind::kInt: return "an integer";
    case Kind::kFloat: return "a float";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kTable: return "a table";
  }
  return "a value";
}

void expect_kind(const OptionValue& value, const std::string& key_path, OptionValue::Kind kind) {
  if (value.kind == kind) return;
  // Float keys take integers too, so the honest name of what they expect is "a number".
  const char* expected = kind == Kind::kFloat ? "a number" : describe_kind(kind);
  fail_at(value, key_path, str_cat("expected ", expected, ", got ", describe_kind(value.kind)));
}

void require_in(const OptionValue& value, const std::string& key_path, double number, const catalogue::Range& range) {
  if (!range.admits(number)) fail_at(value, key_path, range.rule());
}

void require_choice(const OptionValue& value, const std::string& key_path, const std::string& text,
                    const std::vector<std::string>& choices) {
  if (!contains(choices, text))
    fail_at(value, key_path,
            str_cat("\"", text, "\" is not one of ", name_list(choices, Quoted::kYes), did_you_mean(text, choices)));
}

void reject_unknown_keys(const OptionValue& table, const std::string& table_path,
                         const std::vector<std::string>& known) {
  for (const auto& [key, value] : table.fields) {
    if (contains(known, key)) continue;
    const bool is_section = table_path.empty() && (value.kind == Kind::kTable || value.kind == Kind::kArray);
    // An override names its whole key ("--set trainer.sotp"); the file names the table at the key's place.
    const bool from_override = value.key_pos.line == 0 && value.key_pos.file == kOverrideFile;
    const std::string place = locate(value.key_pos, from_override ? dotted(table_path, key) : table_path);
    throw ConfigError(str_cat(place, ": unknown ", is_section ? "table" : "key", " \"", key, "\"",
                              did_you_mean(key, known)));
  }
}

}  // namespace trainkit
