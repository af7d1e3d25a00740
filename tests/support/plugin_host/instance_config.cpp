// Options -> tk_config, like the host's: declared defaults parsed from their text, undeclared options refused.
// Values are not checked against a choice's set: the plugin's own check is what tests of refusals see.
#include "instance_config.h"

#include <sstream>
#include <stdexcept>

#include <trainkit/sdk/option_decls.hpp>

namespace tk_test {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Enough TOML for the defaults the standard plugins declare: scalars and flat lists without commas in strings.
Strings list_items(const std::string& text) {
  std::string t = trim(text);
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') throw std::runtime_error("not a list: " + text);
  Strings out;
  std::stringstream in(t.substr(1, t.size() - 2));
  for (std::string item; std::getline(in, item, ',');) {
    item = trim(item);
    if (item.empty()) continue;
    if (item.front() == '"') item = item.substr(1, item.size() - 2);
    out.push_back(item);
  }
  return out;
}

OptionValue parse_default(const tk_option_decl& d) {
  std::string text = d.default_value;
  switch (d.type) {
    case TK_OPTION_BOOL: return text == "true";
    case TK_OPTION_INT: return static_cast<int64_t>(std::stoll(text));
    case TK_OPTION_FLOAT: return std::stod(text);
    case TK_OPTION_STRING:
    case TK_OPTION_CHOICE:
    case TK_OPTION_OUT_FILE:
    case TK_OPTION_TRIGGER: return text;
    case TK_OPTION_STRING_LIST: return list_items(text);
    case TK_OPTION_INT_LIST: {
      std::vector<int64_t> v;
      for (auto& s : list_items(text)) v.push_back(std::stoll(s));
      return v;
    }
    case TK_OPTION_FLOAT_LIST: {
      std::vector<double> v;
      for (auto& s : list_items(text)) v.push_back(std::stod(s));
      return v;
    }
  }
  throw std::runtime_error(std::string("option ") + d.name + " has an unknown type");
}

const Instance::ConfigData& of(const tk_config* c) { return *static_cast<const Instance::ConfigData*>(c->ctx); }

template <class T>
tk_status get(const tk_config* c, const char* name, const T** out) {
  auto& values = of(c).values;
  auto it = values.find(name);
  if (it == values.end()) return TK_NOT_FOUND;
  *out = std::get_if<T>(&it->second);
  return *out ? TK_OK : TK_ERR_INVALID;
}

// Item i of a number list option.
template <class T>
tk_status list_item(const tk_config* c, const char* name, size_t i, T* out) {
  const std::vector<T>* v = nullptr;
  tk_status s = get(c, name, &v);
  if (s != TK_OK) return s;
  if (i >= v->size()) return TK_ERR_INVALID;
  *out = (*v)[i];
  return TK_OK;
}

}  // namespace

Instance::ConfigData::ConfigData(const tk_extension_class& cls, const Options& options, std::string name,
                                 std::string out)
    : instance_name(std::move(name)), out_dir(std::move(out)) {
  const tk::OptionDecls decls(cls);
  if (decls.problem()) throw std::runtime_error("class " + std::string(cls.name) + ": " + *decls.problem());
  for (const tk_option_decl& d : decls) {
    auto given = options.find(d.name);
    if (given != options.end()) values[d.name] = given->second;
    else if (d.default_value != nullptr && (d.flags & TK_OPTION_REQUIRED) == 0) values[d.name] = parse_default(d);
  }
  for (auto& kv : options)
    if (decls.find(kv.first) == nullptr) throw std::runtime_error("class " + std::string(cls.name) + " has no option " + kv.first);
  raw.struct_size = sizeof(tk_config);
  raw.ctx = this;
  raw.instance_name = instance_name.c_str();
  raw.out_dir = out_dir.c_str();
  raw.get_bool = [](const tk_config* c, const char* n, int32_t* out) {
    const bool* v = nullptr;
    tk_status s = get(c, n, &v);
    if (s == TK_OK) *out = *v ? 1 : 0;
    return s;
  };
  raw.get_i64 = [](const tk_config* c, const char* n, int64_t* out) {
    const int64_t* v = nullptr;
    tk_status s = get(c, n, &v);
    if (s == TK_OK) *out = *v;
    return s;
  };
  raw.get_f64 = [](const tk_config* c, const char* n, double* out) {
    const double* v = nullptr;
    tk_status s = get(c, n, &v);
    if (s == TK_OK) *out = *v;
    const int64_t* i = nullptr;  // an integer is accepted for a float, as in the manifest
    if (s == TK_ERR_INVALID && get(c, n, &i) == TK_OK) { *out = static_cast<double>(*i); s = TK_OK; }
    return s;
  };
  raw.get_str = [](const tk_config* c, const char* n, const char** out) {
    const std::string* v = nullptr;
    tk_status s = get(c, n, &v);
    if (s == TK_OK) *out = v->c_str();
    return s;
  };
  raw.get_list_size = [](const tk_config* c, const char* n, size_t* count) {
    auto& values = of(c).values;
    auto it = values.find(n);
    if (it == values.end()) return TK_NOT_FOUND;
    if (auto* s = std::get_if<Strings>(&it->second)) *count = s->size();
    else if (auto* i = std::get_if<std::vector<int64_t>>(&it->second)) *count = i->size();
    else if (auto* d = std::get_if<std::vector<double>>(&it->second)) *count = d->size();
    else return TK_ERR_INVALID;
    return TK_OK;
  };
  raw.get_list_i64 = [](const tk_config* c, const char* n, size_t i, int64_t* out) { return list_item(c, n, i, out); };
  raw.get_list_f64 = [](const tk_config* c, const char* n, size_t i, double* out) { return list_item(c, n, i, out); };
  raw.get_list_str = [](const tk_config* c, const char* n, size_t i, const char** out) {
    const Strings* v = nullptr;
    tk_status s = get(c, n, &v);
    if (s != TK_OK) return s;
    if (i >= v->size()) return TK_ERR_INVALID;
    *out = (*v)[i].c_str();
    return TK_OK;
  };
}

}  // namespace tk_test
