#include "manifest/overrides.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "manifest/sections.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

struct Override {
  std::string key;                // "trainer.stop"
  std::vector<std::string> path;  // {"trainer", "stop"}
  OptionValue value;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

SourcePos override_pos() { return SourcePos{kOverrideFile, 0, 0}; }

OptionValue* mutable_field(OptionValue& table, const std::string& key) {
  return const_cast<OptionValue*>(find_field(table, key));
}

std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(key);
  while (std::getline(in, part, '.')) parts.push_back(part);
  if (!key.empty() && key.back() == '.') parts.emplace_back();
  return parts;
}

// VALUE is a TOML value when it parses as one; anything else is taken as a plain string, so
// `--set trainer.stop=3 epoch` needs no TOML quotes inside the shell's.
Override parse_override(const std::string& arg) {
  const size_t eq = arg.find('=');
  TK_CHECK(eq != std::string::npos, ConfigError, "--set ", arg, ": expected KEY=VALUE, e.g. --set trainer.stop=\"3 epoch\"");
  Override o;
  o.key = trim(arg.substr(0, eq));
  o.path = split_dotted(o.key);
  const bool well_formed = !o.path.empty() && std::none_of(o.path.begin(), o.path.end(),
                                                           [](const std::string& p) { return p.empty(); });
  TK_CHECK(well_formed, ConfigError, "--set ", arg, ": KEY must be a dotted path such as data.batch_size");
  const std::string text = trim(arg.substr(eq + 1));
  if (std::optional<OptionValue> parsed = parse_option_value(text, override_pos())) {
    o.value = std::move(*parsed);
  } else {
    o.value.kind = Kind::kString;
    o.value.s = text;
    o.value.pos = override_pos();
  }
  o.value.key_pos = override_pos();
  return o;
}

// "extension.<instance name>...": the table of that instance, named as the manifest resolves names.
OptionValue& extension_table(OptionValue& root, const Override& o) {
  TK_CHECK(o.path.size() >= 3, ConfigError, "--set ", o.key, ": expected extension.<instance name>.<key>");
  OptionValue* array = mutable_field(root, "extension");
  std::vector<std::string> names;
  if (array && array->kind == Kind::kArray) names = resolve_instance_names(*array);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == o.path[1]) return array->items[i];
  throw ConfigError(str_cat("--set ", o.key, ": no extension named \"", o.path[1], "\"", did_you_mean(o.path[1], names),
                            names.empty() ? " (the manifest has no [[extension]])" : "; the extensions are " + name_list(names)));
}

void set_field(OptionValue& table, const std::string& key, OptionValue value) {
  if (OptionValue* existing = mutable_field(table, key)) {
    *existing = std::move(value);
    return;
  }
  table.fields.emplace_back(key, std::move(value));
}

}  // namespace

void apply_override(OptionValue& root, const std::string& arg) {
  const Override o = parse_override(arg);
  OptionValue* table = &root;
  std::string walked;
  size_t first = 0;
  if (o.path[0] == "extension") {
    table = &extension_table(root, o);
    walked = "extension." + o.path[1];
    first = 2;
  }
  for (size_t i = first; i + 1 < o.path.size(); ++i) {
    walked = dotted(walked, o.path[i]);
    OptionValue* child = mutable_field(*table, o.path[i]);
    if (!child) {
      OptionValue created;
      created.kind = Kind::kTable;
      created.pos = created.key_pos = override_pos();
      table->fields.emplace_back(o.path[i], std::move(created));
      child = &table->fields.back().second;
    }
    TK_CHECK(child->kind == Kind::kTable, ConfigError, "--set ", o.key, ": ", walked, " is ",
             describe_kind(child->kind), ", not a table");
    table = child;
  }
  set_field(*table, o.path.back(), o.value);
}

}  // namespace trainkit
