#include "state/describe.h"

#include <cmath>

#include <trainkit/sdk/json.hpp>

namespace trainkit::state {
namespace {

constexpr size_t kTextStringLimit = 60;

std::vector<std::string> split_scopes(const std::string& path, std::string& key) {
  std::vector<std::string> scopes;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1)
    scopes.push_back(path.substr(start, slash - start));
  key = path.substr(start);
  return scopes;
}

std::string double_text(double d) {
  std::string out;
  tk::json::detail::append_double(out, d);
  return out;
}

tk::json::Value json_double(double d) {
  if (std::isfinite(d)) return tk::json::Value(d);
  return tk::json::Value(std::isnan(d) ? "NaN" : d < 0 ? "-Infinity" : "Infinity");
}

std::string leaf_text(const Leaf& leaf) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          return "int64 = " + std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return "float64 = " + double_text(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return std::string("bool = ") + (v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::string>) {
          std::string quoted;  // JSON escaping keeps control characters off the terminal
          tk::json::detail::append_string(quoted, v.substr(0, kTextStringLimit));
          if (v.size() <= kTextStringLimit) return "string = " + quoted;
          return "string = " + quoted + "... (" + std::to_string(v.size()) + " bytes)";
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          return "bytes (" + std::to_string(v.size()) + " bytes)";
        } else {
          return dtype_name(v.dtype) + " " + shape_text(v.shape) + " (" + std::to_string(v.data.size()) + " bytes)";
        }
      },
      leaf);
}

tk::json::Value leaf_json(const std::string& path, const Leaf& leaf) {
  tk::json::Value entry = tk::json::Value::object();
  entry.set("path", path);
  entry.set("type", leaf_type_name(leaf));
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          entry.set("value", json_double(v));
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, bool>) {
          entry.set("value", v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          entry.set("value", v);
          entry.set("bytes", v.size());
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          entry.set("bytes", v.size());
        } else {
          entry.set("dtype", dtype_name(v.dtype));
          tk::json::Value shape = tk::json::Value::array();
          for (int64_t d : v.shape) shape.push_back(d);
          entry.set("shape", shape);
          entry.set("bytes", v.data.size());
        }
      },
      leaf);
  return entry;
}

}  // namespace

std::string describe_tree_text(const MemoryTree& tree) {
  std::string out;
  std::vector<std::string> open;
  for (const auto& [path, leaf] : tree.leaves) {
    std::string key;
    std::vector<std::string> scopes = split_scopes(path, key);
    size_t common = 0;
    while (common < open.size() && common < scopes.size() && open[common] == scopes[common]) ++common;
    open.resize(common);
    for (size_t i = common; i < scopes.size(); ++i) {
      out.append(2 * i, ' ');
      out += scopes[i] + "/\n";
      open.push_back(scopes[i]);
    }
    out.append(2 * scopes.size(), ' ');
    out += key + ": " + leaf_text(leaf) + "\n";
  }
  return out;
}

std::string describe_tree_json(const MemoryTree& tree, const std::string& header_fields) {
  // Written member by member so that each entry stays on one line: readable, and still one JSON document.
  std::string out = "{\n";
  if (header_fields.find_first_not_of(" \t\n") != std::string::npos) out += "  " + header_fields + ",\n";
  out += "  \"entries\": [";
  bool first = true;
  for (const auto& [path, leaf] : tree.leaves) {
    out += first ? "\n    " : ",\n    ";
    out += tk::json::dump(leaf_json(path, leaf));
    first = false;
  }
  out += first ? "]\n}" : "\n  ]\n}";  // no final newline, like json.dumps
  return out;
}

}  // namespace trainkit::state
