// tk::json (sdk/include/trainkit/sdk/json.hpp): the bytes must match Python's json.dumps, because users
// read trainkit's log with the scripts they wrote for Chainer's. Expected strings were produced by CPython.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <trainkit/sdk/json.hpp>

using tk::json::Value;

namespace {
std::string repr(double d) { return tk::json::dump(Value(d)); }
}  // namespace

TEST_CASE("json: doubles are written as Python's repr") {
  CHECK(repr(0.1) == "0.1");
  CHECK(repr(1.0) == "1.0");
  CHECK(repr(100.0) == "100.0");
  CHECK(repr(1e-05) == "1e-05");
  CHECK(repr(0.0001) == "0.0001");
  CHECK(repr(1.5e-7) == "1.5e-07");
  CHECK(repr(1e15) == "1000000000000000.0");
  CHECK(repr(1e16) == "1e+16");
  CHECK(repr(1e22) == "1e+22");
  CHECK(repr(12345678901234567.0) == "1.2345678901234568e+16");
  CHECK(repr(123456.789) == "123456.789");
  CHECK(repr(-2.5) == "-2.5");
  CHECK(repr(0.0) == "0.0");
  CHECK(repr(-0.0) == "-0.0");
  CHECK(repr(1.0 / 3.0) == "0.3333333333333333");
  CHECK(repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(repr(1e300) == "1e+300");
  CHECK(repr(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  CHECK(repr(5e-324) == "5e-324");
  CHECK(repr(std::nan("")) == "NaN");
  CHECK(repr(HUGE_VAL) == "Infinity");
  CHECK(repr(-HUGE_VAL) == "-Infinity");
}

TEST_CASE("json: integers stay integers and containers match json.dumps with and without indent") {
  Value log = Value::array();
  Value a = Value::object();
  a.set("main/loss", 0.5);
  a.set("main/accuracy", 0.75);
  a.set("epoch", 1);
  a.set("iteration", int64_t{10});
  a.set("elapsed_time", 1.25);
  log.push_back(a);
  Value b = Value::object();
  b.set("main/loss", 0.25);
  b.set("epoch", 2);
  b.set("iteration", 20);
  b.set("elapsed_time", 2.5);
  log.push_back(b);

  CHECK(tk::json::dump(log, 4) ==
        "[\n    {\n        \"main/loss\": 0.5,\n        \"main/accuracy\": 0.75,\n        \"epoch\": 1,\n"
        "        \"iteration\": 10,\n        \"elapsed_time\": 1.25\n    },\n    {\n        \"main/loss\": 0.25,\n"
        "        \"epoch\": 2,\n        \"iteration\": 20,\n        \"elapsed_time\": 2.5\n    }\n]");
  CHECK(tk::json::dump(a) ==
        "{\"main/loss\": 0.5, \"main/accuracy\": 0.75, \"epoch\": 1, \"iteration\": 10, \"elapsed_time\": 1.25}");

  Value nested = Value::array();
  nested.push_back(Value::array());
  nested.push_back(Value::object());
  Value with_empty = Value::object();
  with_empty.set("a", Value::array());
  nested.push_back(with_empty);
  CHECK(tk::json::dump(nested, 2) == "[\n  [],\n  {},\n  {\n    \"a\": []\n  }\n]");
}

TEST_CASE("json: set() replaces a key in place, like assigning to a Python dict") {
  Value o = Value::object();
  o.set("epoch", 1);
  o.set("main/loss", 0.5);
  o.set("epoch", 2);
  CHECK(tk::json::dump(o) == "{\"epoch\": 2, \"main/loss\": 0.5}");
}

TEST_CASE("json: strings are escaped as with ensure_ascii") {
  Value v = Value::array();
  v.push_back("a\"b\\c\n\x01\x7f");
  v.push_back("\xc3\xa9");              // é
  v.push_back("\xf0\x9f\x98\x80");      // U+1F600, a surrogate pair in JSON
  CHECK(tk::json::dump(v) == R"(["a\"b\\c\n\u0001\u007f", "\u00e9", "\ud83d\ude00"])");
}

TEST_CASE("json: parse reads back what dump wrote, keeping order and integer-ness") {
  Value o = Value::object();
  o.set("z", 1);
  o.set("a", 0.1);
  o.set("s", "\xc3\xa9\n");
  o.set("nan", std::nan(""));
  o.set("big", int64_t{1} << 62);
  o.set("flag", true);
  o.set("none", Value());
  for (int indent : {-1, 4}) {
    Value back = tk::json::parse(tk::json::dump(o, indent));
    REQUIRE(back.is_object());
    REQUIRE(back.size() == 7);
    CHECK(back.key(0) == "z");
    CHECK(back.at(0).kind() == Value::Kind::integer);
    CHECK(back.at(0).as_int() == 1);
    CHECK(back.at(1).as_double() == 0.1);
    CHECK(back.at(2).as_string() == "\xc3\xa9\n");
    CHECK(std::isnan(back.at(3).as_double()));
    CHECK(back.at(4).as_int() == (int64_t{1} << 62));
    CHECK(back.at(5).as_bool());
    CHECK(back.at(6).is_null());
    CHECK(tk::json::dump(back) == tk::json::dump(o));
  }
  CHECK(tk::json::parse(" [1e-05, -Infinity, -3] ").at(1).as_double() == -HUGE_VAL);
  CHECK(tk::json::parse("[-3]").at(0).as_int() == -3);
}

TEST_CASE("json: malformed text is refused with an error, not a crash") {
  for (const char* bad : {"", "[", "[1,", "{\"a\" 1}", "{\"a\": }", "[1] 2", "\"abc", "[01x]", "tru", "{1: 2}"}) {
    INFO(bad);
    CHECK_THROWS_AS(tk::json::parse(bad), tk::Error);
  }
  CHECK_THROWS_AS(tk::json::parse(std::string(100000, '[')), tk::Error);  // too deep: no stack overflow
}
