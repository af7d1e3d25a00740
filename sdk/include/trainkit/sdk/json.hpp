// trainkit SDK: a small JSON value with a writer that matches Python's json.dumps, and a parser.
//
//   tk::json::Value record = tk::json::Value::object();
//   record.set("main/loss", 0.25);                 // a double: written "0.25"; 1.0 is written "1.0"
//   record.set("epoch", int64_t{1});               // an integer: written "1"
//   tk::json::Value log = tk::json::Value::array();
//   log.push_back(record);
//   std::string text = tk::json::dump(log, 4);     // byte for byte what json.dumps(log, indent=4) gives
//   tk::json::Value again = tk::json::parse(text); // integers stay integers, key order is kept
//
// Why Python's output: users read trainkit's logs with the same scripts they wrote for Chainer's, so floats
// use Python's repr (shortest round-trip digits, "1e-05", "1.0") and NaN/Infinity are written as Python
// writes them (and read back). Objects keep insertion order, like Python dicts. Non-ASCII characters are
// escaped as \uXXXX (Python's ensure_ascii), so the output is plain ASCII.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"

namespace tk {
namespace json {

// Use to build or read a JSON document; objects keep their keys in insertion order.
class Value {
 public:
  enum class Kind { null, boolean, integer, real, string, array, object };

  Value() = default;
  Value(bool b) : kind_(Kind::boolean), b_(b) {}
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  Value(Int i) : kind_(Kind::integer), i_(static_cast<int64_t>(i)) {}
  Value(double d) : kind_(Kind::real), d_(d) {}
  Value(std::string s) : kind_(Kind::string), s_(std::move(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  static Value array() { return Value(Kind::array); }
  static Value object() { return Value(Kind::object); }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_number() const { return kind_ == Kind::integer || kind_ == Kind::real; }
  bool is_array() const { return kind_ == Kind::array; }
  bool is_object() const { return kind_ == Kind::object; }

  bool as_bool() const { expect(Kind::boolean, "a boolean"); return b_; }
  int64_t as_int() const { expect(Kind::integer, "an integer"); return i_; }
  double as_double() const {  // an integer reads as a double too
    if (kind_ == Kind::integer) return static_cast<double>(i_);
    expect(Kind::real, "a number");
    return d_;
  }
  const std::string& as_string() const { expect(Kind::string, "a string"); return s_; }

  // Arrays and objects: size() and at(i) walk the elements (an object's values, in key order).
  size_t size() const { return items_.size(); }
  const Value& at(size_t i) const { return items_.at(i); }
  Value& at(size_t i) { return items_.at(i); }
  void push_back(Value v) { expect(Kind::array, "an array"); items_.push_back(std::move(v)); }

  // Objects: key(i) names at(i). set() replaces a key in place (keeping its position) or appends it.
  const std::string& key(size_t i) const { return keys_.at(i); }
  void set(const std::string& key, Value v) {
    expect(Kind::object, "an object");
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) { items_[i] = std::move(v); return; }
    keys_.push_back(key);
    items_.push_back(std::move(v));
  }
  const Value* find(std::string_view key) const {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) return &items_[i];
    return nullptr;
  }

 private:
  explicit Value(Kind k) : kind_(k) {}
  void expect(Kind k, const char* what) const {
    if (kind_ != k) throw Error(TK_ERR_INVALID, "JSON value is not ", what);
  }

  Kind kind_ = Kind::null;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Value> items_;
  std::vector<std::string> keys_;  // objects only, parallel to items_
};

namespace detail {

// Python's repr(float): the shortest digits that read back to the same double, in fixed notation when the
// decimal exponent is in [-4, 16), otherwise as d.ddde+XX; always with a "." or an exponent.
inline void append_double(std::string& out, double d) {
  if (std::isnan(d)) { out += "NaN"; return; }
  if (std::isinf(d)) { out += d < 0 ? "-Infinity" : "Infinity"; return; }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "-1.2345e-05"
  if (!sci.empty() && sci.front() == '-') { out += '-'; sci.remove_prefix(1); }
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  int decpt = exponent + 1;  // digits are 0.d1d2... * 10^decpt
  int n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (decpt < n) {
      out.append(digits, 0, static_cast<size_t>(decpt));
      out += '.';
      out.append(digits, static_cast<size_t>(decpt), std::string::npos);
    } else {
      out += digits;
      out.append(static_cast<size_t>(decpt - n), '0');
      out += ".0";
    }
    return;
  }
  out += digits[0];
  if (n > 1) { out += '.'; out.append(digits, 1, std::string::npos); }
  char exp[16];
  std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
  out += exp;
}

inline void append_escape(std::string& out, uint32_t code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(code));
  out += buf;
}

// Python's ensure_ascii: everything outside printable ASCII becomes an escape; invalid UTF-8 becomes U+FFFD.
inline void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7f) append_escape(out, c);
          else out += static_cast<char>(c);
      }
      continue;
    }
    size_t extra = c >= 0xf8 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    uint32_t code = extra == 3 ? (c & 0x07u) : extra == 2 ? (c & 0x0fu) : (c & 0x1fu);
    bool ok = extra > 0 && i + extra < s.size();
    for (size_t k = 1; ok && k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xc0u) == 0x80u;
      code = (code << 6) | (cc & 0x3fu);
    }
    if (!ok || code > 0x10ffff) { append_escape(out, 0xfffd); ++i; continue; }
    i += extra + 1;
    if (code >= 0x10000) {  // a surrogate pair, as Python writes it
      code -= 0x10000;
      append_escape(out, 0xd800 + (code >> 10));
      append_escape(out, 0xdc00 + (code & 0x3ffu));
    } else {
      append_escape(out, code);
    }
  }
  out += '"';
}

inline void dump_to(std::string& out, const Value& v, int indent, int depth) {
  auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<size_t>(indent * level), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::null: out += "null"; return;
    case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::integer: out += std::to_string(v.as_int()); return;
    case Value::Kind::real: append_double(out, v.as_double()); return;
    case Value::Kind::string: append_string(out, v.as_string()); return;
    case Value::Kind::array:
    case Value::Kind::object: break;
  }
  bool object = v.is_object();
  if (v.size() == 0) { out += object ? "{}" : "[]"; return; }
  out += object ? '{' : '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += indent >= 0 ? "," : ", ";
    if (indent >= 0) newline(depth + 1);
    if (object) {
      append_string(out, v.key(i));
      out += ": ";
    }
    dump_to(out, v.at(i), indent, depth + 1);
  }
  if (indent >= 0) newline(depth);
  out += object ? '}' : ']';
}

// Recursive descent over the text; the depth limit keeps a hostile document from exhausting the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the document");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 512;

  [[noreturn]] void fail(const char* what) const {
    throw Error(TK_ERR_INVALID, "JSON at offset ", pos_, ": ", what);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool eat(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  void expect_char(char c) {
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != c) fail(c == ':' ? "expected ':'" : "unexpected character");
    ++pos_;
  }

  Value value(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Value(string());
    if (eat("null")) return Value();
    if (eat("true")) return Value(true);
    if (eat("false")) return Value(false);
    if (eat("NaN")) return Value(std::nan(""));
    if (eat("Infinity")) return Value(HUGE_VAL);
    if (eat("-Infinity")) return Value(-HUGE_VAL);
    return number();
  }

  Value object(int depth) {
    ++pos_;
    Value obj = Value::object();
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return obj; }
    for (;;) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key");
      std::string key = string();
      expect_char(':');
      obj.set(key, value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      expect_char('}');
      return obj;
    }
  }

  Value array(int depth) {
    ++pos_;
    Value arr = Value::array();
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return arr; }
    for (;;) {
      arr.push_back(value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      expect_char(']');
      return arr;
    }
  }

  Value number() {
    size_t start = pos_;
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || c == '+' || (c == '-' && pos_ > start)) integral = false;
      else if (c < '0' || c > '9') break;
      ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (first == last) fail("unexpected character");
    if (integral) {
      int64_t i = 0;
      auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) return Value(i);
    }
    double d = 0;  // from_chars, unlike strtod, ignores the locale
    auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc() || r.ptr != last) fail("bad number");
    return Value(d);
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("bad \\u escape");
    uint32_t code = 0;
    auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, code, 16);
    if (r.ptr != s_.data() + pos_ + 4) fail("bad \\u escape");
    pos_ += 4;
    return code;
  }

  static void append_utf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }

  std::string string() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') { out += c; continue; }
      if (pos_ >= s_.size()) fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t code = hex4();
          if (code >= 0xd800 && code < 0xdc00 && s_.substr(pos_, 2) == "\\u") {
            size_t save = pos_;
            pos_ += 2;
            uint32_t low = hex4();
            if (low >= 0xdc00 && low < 0xe000) code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            else pos_ = save;
          }
          append_utf8(out, code);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace detail

// Python's json.dumps(v) when indent < 0 (", " and ": " separators, one line), json.dumps(v, indent=N)
// otherwise. No trailing newline, as in Python.
inline std::string dump(const Value& v, int indent = -1) {
  std::string out;
  detail::dump_to(out, v, indent, 0);
  return out;
}

// Reads one JSON document (plus Python's NaN, Infinity, -Infinity). Throws tk::Error(TK_ERR_INVALID).
inline Value parse(std::string_view text) { return detail::Parser(text).document(); }

}  // namespace json
}  // namespace tk
