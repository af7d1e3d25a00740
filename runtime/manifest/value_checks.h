// trainkit manifest: the checks every manifest value goes through (kind, range, known keys) and the one
// shape of their messages, "<file:line:col>: <key path>: <what>", shared by the section readers and the
// extension option binding.
//
//   expect_kind(value, "data.batch_size", OptionValue::Kind::kInt);  // "...: expected an integer, got a string"
//   require_in(value, "optimizer.lr", lr, catalogue::Range::at_least(0));  // "...: optimizer.lr: must be >= 0"
#pragma once

#include <string>
#include <vector>

#include "catalogue/range.h"
#include "manifest/option_value.h"

namespace trainkit {

// "trainer" + "seed" → "trainer.seed"; "" + "trainer" → "trainer".
std::string dotted(const std::string& table_path, const std::string& key);

// The start of a message: "manifest.toml:4:8: data.batch_size", or "--set data.batch_size" for an override.
std::string locate(const SourcePos& pos, const std::string& key_path);

// Throws ConfigError "<place>: <what>" placed at `value`.
[[noreturn]] void fail_at(const OptionValue& value, const std::string& key_path, const std::string& what);

// The field `key` of a table value, or nullptr.
const OptionValue* find_field(const OptionValue& table, const std::string& key);

// An integer or finite float value as a double; ConfigError for anything else (inf and nan too).
double number_of(const OptionValue& value, const std::string& key_path);

// "an integer", "a string", ...: for "expected X, got Y".
const char* describe_kind(OptionValue::Kind kind);

// Throws ConfigError "<place>: expected an integer, got a string" unless `value` is of `kind`.
void expect_kind(const OptionValue& value, const std::string& key_path, OptionValue::Kind kind);

// Throws ConfigError "<place>: must be >= 0" (the range's rule) placed at `value` unless `range` admits `number`.
void require_in(const OptionValue& value, const std::string& key_path, double number, const catalogue::Range& range);

// Throws ConfigError "<place>: \"x\" is not one of \"a\", \"b\"" with a did-you-mean unless `text` is a choice.
void require_choice(const OptionValue& value, const std::string& key_path, const std::string& text,
                    const std::vector<std::string>& choices);

// Throws ConfigError for the first field of `table` not in `known`, with a did-you-mean.
// `table_path` is its dotted path ("trainer"; "" for the top level).
void reject_unknown_keys(const OptionValue& table, const std::string& table_path,
                         const std::vector<std::string>& known);

}  // namespace trainkit
