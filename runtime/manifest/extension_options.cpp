#include "manifest/extension_options.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "core/error.h"
#include "core/spelling.h"
#include "trainkit/sdk/option_decls.hpp"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;
using Value = BoundOptions::Value;

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += str_cat(i ? ", " : "", '"', names[i], '"');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Declared options

bool is_list(tk_option_type type) {
  return type == TK_OPTION_STRING_LIST || type == TK_OPTION_FLOAT_LIST || type == TK_OPTION_INT_LIST;
}

tk_option_type item_type(tk_option_type list) {
  return list == TK_OPTION_STRING_LIST ? TK_OPTION_STRING : list == TK_OPTION_FLOAT_LIST ? TK_OPTION_FLOAT : TK_OPTION_INT;
}

const char* expected_type(tk_option_type type) {
  switch (type) {
    case TK_OPTION_BOOL: return "a boolean";
    case TK_OPTION_INT: return "an integer";
    case TK_OPTION_FLOAT: return "a number";
    case TK_OPTION_STRING: return "a string";
    case TK_OPTION_STRING_LIST: return "a list of strings";
    case TK_OPTION_FLOAT_LIST: return "a list of numbers";
    case TK_OPTION_INT_LIST: return "a list of integers";
    case TK_OPTION_TRIGGER: return "a trigger (a string such as \"1 epoch\" or a table)";
    case TK_OPTION_CHOICE: return "a string";
  }
  return "a value";
}

bool scalar_fits(const OptionValue& value, tk_option_type type) {
  switch (type) {
    case TK_OPTION_BOOL: return value.kind == Kind::kBool;
    case TK_OPTION_INT: return value.kind == Kind::kInt;
    case TK_OPTION_FLOAT: return value.kind == Kind::kInt || value.kind == Kind::kFloat;  // `0` means 0.0
    case TK_OPTION_STRING:
    case TK_OPTION_CHOICE: return value.kind == Kind::kString;
    case TK_OPTION_TRIGGER: return value.kind == Kind::kString || value.kind == Kind::kTable;
    default: return false;
  }
}

// The part of `value` that does not fit `type` (the value itself or one list item), or nullptr.
const OptionValue* misfit(const OptionValue& value, tk_option_type type) {
  if (!is_list(type)) return scalar_fits(value, type) ? nullptr : &value;
  if (value.kind != Kind::kArray) return &value;
  for (const OptionValue& item : value.items)
    if (!scalar_fits(item, item_type(type))) return &item;
  return nullptr;
}

double as_double(const OptionValue& value) {
  return value.kind == Kind::kInt ? static_cast<double>(value.i) : value.f;
}

// `value` already fits `type`; a trigger is checked in full here and kept as its canonical text.
Value to_bound(const OptionValue& value, tk_option_type type, const std::string& key_path) {
  Value out;
  out.type = type;
  switch (type) {
    case TK_OPTION_BOOL: out.b = value.b; break;
    case TK_OPTION_INT: out.i = value.i; break;
    case TK_OPTION_FLOAT: out.f = as_double(value); break;
    case TK_OPTION_STRING:
    case TK_OPTION_CHOICE: out.s = value.s; break;
    case TK_OPTION_STRING_LIST:
      for (const auto& item : value.items) out.strings.push_back(item.s);
      break;
    case TK_OPTION_FLOAT_LIST:
      for (const auto& item : value.items) out.floats.push_back(as_double(item));
      break;
    case TK_OPTION_INT_LIST:
      for (const auto& item : value.items) out.ints.push_back(item.i);
      break;
    case TK_OPTION_TRIGGER: out.s = describe(trigger_from_option(value, key_path)); break;
  }
  return out;
}

std::vector<std::string> declared_names(const tk::OptionDecls& decls) {
  std::vector<std::string> names;
  for (const tk_option_decl& decl : decls) names.emplace_back(decl.name);
  return names;
}

// The reason `text` is not one of a choice option's values, or "".
std::string not_a_choice(const tk_option_decl& decl, const std::string& text) {
  const std::vector<std::string> choices = tk::choices_of(decl);
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) return "";
  return str_cat("must be one of ", quoted_list(choices), ", not \"", text, "\"", did_you_mean(text, choices));
}

// Whose options are bound: an [[extension]] table or [data.options], for messages.
struct Owner {
  std::string label;       // "extension \"log\"", "data.options"
  std::string class_name;  // the class that declares the options
  std::string class_kind;  // "extension class", "dataset class"
  std::string key_prefix;  // the dotted path before an option's name: "extension.log.", "data.options."
  SourcePos pos;           // the table's place
};

Value bind_given(const Owner& owner, const std::string& key, const OptionValue& value, const tk::OptionDecls& decls) {
  // Hand-built configs (tests, tools) may place only the value.
  const SourcePos& key_pos = value.key_pos.file.empty() ? value.pos : value.key_pos;
  const tk_option_decl* decl = decls.find(key);
  if (!decl) {
    const std::vector<std::string> names = declared_names(decls);
    throw ConfigError(str_cat(locate(key_pos, owner.label), ": unknown option \"", key, "\"", did_you_mean(key, names),
                              names.empty() ? str_cat(" (class \"", owner.class_name, "\" takes no options)") : ""));
  }
  const auto type = static_cast<tk_option_type>(decl->type);
  if (const OptionValue* bad = misfit(value, type)) {
    const std::string got = bad == &value ? str_cat(", got ", describe_kind(value.kind))
                                          : str_cat("; item ", bad - value.items.data(), " is ", describe_kind(bad->kind));
    throw ConfigError(str_cat(locate(bad->pos, owner.label), ": option \"", key, "\" expects ", expected_type(type), got));
  }
  if (type == TK_OPTION_CHOICE) {
    const std::string why = not_a_choice(*decl, value.s);
    if (!why.empty()) throw ConfigError(str_cat(locate(value.pos, owner.label), ": option \"", key, "\" ", why));
  }
  Value bound = to_bound(value, type, owner.key_prefix + key);
  bound.from_manifest = true;
  return bound;
}

// Declared defaults are text: STRING, TRIGGER and CHOICE plain, the rest TOML value syntax (config.h).
Value parse_default(const tk_option_decl& decl, const Owner& owner) {
  const auto type = static_cast<tk_option_type>(decl.type);
  const std::string text = decl.default_value;
  const std::string what = str_cat(owner.class_kind, " \"", owner.class_name, "\" declares option \"", decl.name,
                                   "\" with default \"", text, "\"");
  Value out;
  out.type = type;
  if (type == TK_OPTION_TRIGGER) {
    try {
      out.s = describe(parse_trigger_text(text));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(str_cat(what, ": ", e.what()));
    }
    return out;
  }
  if (type == TK_OPTION_CHOICE) {
    const std::string why = not_a_choice(decl, text);
    TK_CHECK(why.empty(), ConfigError, what, ", which ", why);
  }
  OptionValue value;
  if (type == TK_OPTION_STRING || type == TK_OPTION_CHOICE) {
    value.kind = Kind::kString;
    value.s = text;
  } else {
    std::optional<OptionValue> parsed = parse_option_value(text, SourcePos{});
    TK_CHECK(parsed, ConfigError, what, ", which is not a TOML value");
    value = std::move(*parsed);
  }
  TK_CHECK(!misfit(value, type), ConfigError, what, ", which is not ", expected_type(type));
  return to_bound(value, type, decl.name);
}

// ---------------------------------------------------------------------------------------------------------
// The tk_config getters. ctx is the BoundOptions; only declared options that have a value are in it.

const Value* lookup(const tk_config* c, const char* name) {
  const auto& values = static_cast<const BoundOptions*>(c->ctx)->values();
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

// Shared shape of every getter: bad arguments are invalid, a missing value is not found, a value of another
// type is invalid; otherwise `read` stores it.
template <class Out, class Read>
tk_status get(const tk_config* c, const char* name, Out* out, Read read) {
  if (!c || !c->ctx || !name || !out) return TK_ERR_INVALID;
  const Value* v = lookup(c, name);
  if (!v) return TK_NOT_FOUND;
  return read(*v, *out) ? TK_OK : TK_ERR_INVALID;
}

tk_status get_bool(const tk_config* c, const char* name, int32_t* out) {
  return get(c, name, out, [](const Value& v, int32_t& o) {
    if (v.type != TK_OPTION_BOOL) return false;
    o = v.b ? 1 : 0;
    return true;
  });
}

tk_status get_i64(const tk_config* c, const char* name, int64_t* out) {
  return get(c, name, out, [](const Value& v, int64_t& o) {
    if (v.type != TK_OPTION_INT) return false;
    o = v.i;
    return true;
  });
}

// An INT option reads as a double too, as a FLOAT option accepts integers.
tk_status get_f64(const tk_config* c, const char* name, double* out) {
  return get(c, name, out, [](const Value& v, double& o) {
    if (v.type != TK_OPTION_FLOAT && v.type != TK_OPTION_INT) return false;
    o = v.type == TK_OPTION_FLOAT ? v.f : static_cast<double>(v.i);
    return true;
  });
}

tk_status get_str(const tk_config* c, const char* name, const char** out) {
  return get(c, name, out, [](const Value& v, const char*& o) {
    if (v.type != TK_OPTION_STRING && v.type != TK_OPTION_TRIGGER && v.type != TK_OPTION_CHOICE) return false;
    o = v.s.c_str();
    return true;
  });
}

// The length of a list option, or nothing for a scalar.
std::optional<size_t> list_length(const Value& v) {
  switch (v.type) {
    case TK_OPTION_STRING_LIST: return v.strings.size();
    case TK_OPTION_FLOAT_LIST: return v.floats.size();
    case TK_OPTION_INT_LIST: return v.ints.size();
    default: return std::nullopt;
  }
}

tk_status get_list_size(const tk_config* c, const char* name, size_t* count) {
  return get(c, name, count, [](const Value& v, size_t& o) {
    if (!list_length(v)) return false;
    o = *list_length(v);
    return true;
  });
}

tk_status get_list_i64(const tk_config* c, const char* name, size_t i, int64_t* out) {
  return get(c, name, out, [i](const Value& v, int64_t& o) {
    if (v.type != TK_OPTION_INT_LIST || i >= v.ints.size()) return false;
    o = v.ints[i];
    return true;
  });
}

// An INT_LIST reads as doubles too, as a FLOAT_LIST accepts integers.
tk_status get_list_f64(const tk_config* c, const char* name, size_t i, double* out) {
  return get(c, name, out, [i](const Value& v, double& o) {
    if (v.type == TK_OPTION_FLOAT_LIST && i < v.floats.size()) {
      o = v.floats[i];
      return true;
    }
    if (v.type == TK_OPTION_INT_LIST && i < v.ints.size()) {
      o = static_cast<double>(v.ints[i]);
      return true;
    }
    return false;
  });
}

tk_status get_list_str(const tk_config* c, const char* name, size_t i, const char** out) {
  return get(c, name, out, [i](const Value& v, const char*& o) {
    if (v.type != TK_OPTION_STRING_LIST || i >= v.strings.size()) return false;
    o = v.strings[i].c_str();
    return true;
  });
}

}  // namespace

BoundOptions::BoundOptions() {
  config_.struct_size = sizeof(tk_config);
  config_.ctx = this;
  config_.get_bool = &get_bool;
  config_.get_i64 = &get_i64;
  config_.get_f64 = &get_f64;
  config_.get_str = &get_str;
  config_.get_list_size = &get_list_size;
  config_.get_list_i64 = &get_list_i64;
  config_.get_list_f64 = &get_list_f64;
  config_.get_list_str = &get_list_str;
  config_.instance_name = instance_name_.c_str();
  config_.out_dir = out_dir_.c_str();
}

namespace {

std::unique_ptr<BoundOptions> bind_declared(const Owner& owner, const std::vector<std::pair<std::string, OptionValue>>& given,
                                            const tk::OptionDecls& decls, const std::string& instance_name,
                                            const std::string& out_dir) {
  auto bound = std::make_unique<BoundOptions>();
  bound->set_instance_name(instance_name);
  bound->set_out_dir(out_dir);
  for (const auto& [key, value] : given) bound->set(key, bind_given(owner, key, value, decls));
  for (const tk_option_decl& decl : decls) {
    if (bound->values().count(decl.name)) continue;
    if (decl.flags & TK_OPTION_REQUIRED)
      throw ConfigError(str_cat(locate(owner.pos, owner.label), ": missing required option \"", decl.name, "\"",
                                decl.doc && *decl.doc ? str_cat(" (", decl.doc, ")") : ""));
    if (decl.default_value) bound->set(decl.name, parse_default(decl, owner));  // else absent: TK_NOT_FOUND
  }
  return bound;
}

}  // namespace

std::unique_ptr<BoundOptions> bind_options(const ExtensionConfig& cfg, const tk_extension_class& cls,
                                           const std::string& out_dir) {
  const Owner owner{str_cat("extension \"", cfg.name, "\""), cls.name ? cls.name : cfg.use, "extension class",
                    str_cat("extension.", cfg.name, "."), cfg.pos};
  return bind_declared(owner, cfg.options, tk::OptionDecls(cls), cfg.name, out_dir);
}

std::unique_ptr<BoundOptions> bind_dataset_options(const DataConfig& data, const tk_dataset_class& cls,
                                                   const std::string& out_dir) {
  const Owner owner{"data.options", cls.name ? cls.name : data.plugin, "dataset class", "data.options.", data.pos};
  return bind_declared(owner, data.options, tk::OptionDecls(cls), data.plugin, out_dir);
}

}  // namespace trainkit
