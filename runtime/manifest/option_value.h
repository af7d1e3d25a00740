// trainkit manifest: a value as the manifest (or a `--set` override) wrote it, before any check, and TOML
// text turned into such values. Every check works on OptionValue only, so one set of checks serves the
// file, the overrides and the options handed to plugins. option_value.cpp is the only user of toml++.
//
//   OptionValue root = parse_document(text, "manifest.toml");  // a table; ConfigError at file:line:col
//   auto v = parse_option_value("[1, 2]", SourcePos{kOverrideFile, 0, 0});  // an array placed at "--set"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/source_pos.h"

namespace trainkit {

// The SourcePos::file of every value that came from a `--set KEY=VALUE` override.
constexpr char kOverrideFile[] = "--set";

// A value of the manifest as written (before it is checked against what reads it).
struct OptionValue {
  enum class Kind { kBool, kInt, kFloat, kString, kArray, kTable };
  Kind kind = Kind::kString;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<OptionValue> items;                           // kArray
  std::vector<std::pair<std::string, OptionValue>> fields;  // kTable (e.g. a trigger table), in file order
  SourcePos pos;                                            // where the value starts
  SourcePos key_pos;                                        // where its key starts (table fields, extension options)
};

// The whole document as a table, every value placed where it was written. Throws ConfigError
// "<display_path>:<line>:<col>: <what>" for a TOML syntax error, and for a date or a time.
OptionValue parse_document(const std::string& text, const std::string& display_path);

// Parses one TOML value ("3", "[1, 2]", "{ every = \"5 min\" }"), every part placed at `pos`; nullopt when
// the text is not a TOML value trainkit uses (dates and times are not).
std::optional<OptionValue> parse_option_value(const std::string& text, const SourcePos& pos);

}  // namespace trainkit
