#include "manifest/option_value.h"

#include <algorithm>

#include <toml++/toml.h>

#include "core/error.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

// Where converted values are placed: their own position in the file, or all at one fixed place (an
// override's value, a declared default), since "v = ..." positions would mislead.
struct Placement {
  std::string file;
  std::optional<SourcePos> fixed;

  SourcePos at(const toml::source_region& region) const {
    if (fixed) return *fixed;
    return SourcePos{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  }
};

OptionValue convert_node(const toml::node& node, const Placement& place, const std::string& path);

// toml++ tables are sorted by key; sorting by where each key was written restores file order, which
// extension options keep (plugins and `trainkit validate` show them as written).
OptionValue convert_table(const toml::table& table, const Placement& place, const std::string& path) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  OptionValue out;
  out.kind = Kind::kTable;
  out.pos = place.at(table.source());
  for (const auto& [key, node] : entries) {
    const std::string name(key->str());
    OptionValue value = convert_node(*node, place, dotted(path, name));
    value.key_pos = place.at(key->source());
    out.fields.emplace_back(name, std::move(value));
  }
  return out;
}

OptionValue convert_node(const toml::node& node, const Placement& place, const std::string& path) {
  OptionValue out;
  out.pos = place.at(node.source());
  switch (node.type()) {
    case toml::node_type::boolean:
      out.kind = Kind::kBool;
      out.b = node.as_boolean()->get();
      break;
    case toml::node_type::integer:
      out.kind = Kind::kInt;
      out.i = node.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out.kind = Kind::kFloat;
      out.f = node.as_floating_point()->get();
      break;
    case toml::node_type::string:
      out.kind = Kind::kString;
      out.s = node.as_string()->get();
      break;
    case toml::node_type::array: {
      out.kind = Kind::kArray;
      const toml::array& array = *node.as_array();
      for (size_t i = 0; i < array.size(); ++i)
        out.items.push_back(convert_node(array[i], place, str_cat(path, "[", i, "]")));
      break;
    }
    case toml::node_type::table:
      return convert_table(*node.as_table(), place, path);
    default:
      fail_at(out, path, "dates and times are not used by trainkit (quote the value to make it a string)");
  }
  return out;
}

}  // namespace

OptionValue parse_document(const std::string& text, const std::string& display_path) {
  try {
    const toml::table root = toml::parse(std::string_view(text), std::string_view(display_path));
    return convert_table(root, Placement{display_path, std::nullopt}, "");
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    const SourcePos pos{display_path, static_cast<int>(begin.line), static_cast<int>(begin.column)};
    throw ConfigError(str_cat(pos.str(), ": ", e.description()));
  }
}

std::optional<OptionValue> parse_option_value(const std::string& text, const SourcePos& pos) {
  toml::table doc;
  try {
    doc = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  // "1\nw = 2" parses too, into two keys: that is not one value.
  const toml::node* node = doc.get("v");
  if (doc.size() != 1 || !node) return std::nullopt;
  try {
    return convert_node(*node, Placement{pos.file, pos}, "");
  } catch (const ConfigError&) {
    return std::nullopt;  // a date or a time
  }
}

}  // namespace trainkit
