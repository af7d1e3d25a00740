// Tests for runtime/manifest/extension_options.cpp: options checked against a class's declarations, defaults,
// the tk_config getters, and trigger_from_option on hand-built values.
#include "manifest/extension_options.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.h"

namespace trainkit {
namespace {

// A class that declares one option of every type, as a plugin would.
const tk_option_decl kOptions[] = {
    {sizeof(tk_option_decl), "n_retains", TK_OPTION_INT, 0, "3", "snapshots to keep"},
    {sizeof(tk_option_decl), "autoload", TK_OPTION_BOOL, 0, "false", "resume from the newest snapshot"},
    {sizeof(tk_option_decl), "writer", TK_OPTION_STRING, 0, "simple", "how files are written"},
    {sizeof(tk_option_decl), "ratio", TK_OPTION_FLOAT, 0, "0.5", "a float"},
    {sizeof(tk_option_decl), "keys", TK_OPTION_STRING_LIST, 0, "[\"main/loss\", \"lr\"]", "observation keys"},
    {sizeof(tk_option_decl), "weights", TK_OPTION_FLOAT_LIST, 0, "[1, 2.5]", "floats"},
    {sizeof(tk_option_decl), "sizes", TK_OPTION_INT_LIST, 0, "[]", "integers"},
    {sizeof(tk_option_decl), "condition", TK_OPTION_TRIGGER, 0, "1 epoch", "when to write"},
    {sizeof(tk_option_decl), "filename", TK_OPTION_STRING, 0, nullptr, "no default: absent unless given"},
    {sizeof(tk_option_decl), "target", TK_OPTION_STRING, TK_OPTION_REQUIRED, "ignored", "what to save"},
};

tk_extension_class make_class(const tk_option_decl* options, size_t count) {
  tk_extension_class cls{};
  cls.struct_size = sizeof(tk_extension_class);
  cls.name = "snapshot";
  cls.default_trigger = "1 epoch";
  cls.options = options;
  cls.option_count = count;
  return cls;
}

const tk_extension_class kSnapshot = make_class(kOptions, sizeof(kOptions) / sizeof(kOptions[0]));

// The one extension of a manifest whose [[extension]] table is `use = "snapshot"` followed by `body`.
ExtensionConfig extension(const std::string& body, const std::vector<std::string>& overrides = {}) {
  return parse_manifest("[[extension]]\nuse = \"snapshot\"\n" + body, "manifest.toml", overrides).extensions.at(0);
}

std::string bind_error(const std::string& body, const std::vector<std::string>& overrides = {}) {
  try {
    bind_options(extension(body, overrides), kSnapshot);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("undeclared-in-manifest options get their declared defaults", "[options]") {
  const auto bound = bind_options(extension("target = \"model\"\n"), kSnapshot);
  const auto& values = bound->values();
  CHECK(values.at("n_retains").type == TK_OPTION_INT);
  CHECK(values.at("n_retains").i == 3);
  CHECK_FALSE(values.at("n_retains").from_manifest);
  CHECK_FALSE(values.at("autoload").b);
  CHECK(values.at("writer").s == "simple");
  CHECK(values.at("ratio").f == 0.5);
  CHECK(values.at("keys").strings == std::vector<std::string>{"main/loss", "lr"});
  CHECK(values.at("weights").floats == std::vector<double>{1, 2.5});
  CHECK(values.at("sizes").ints.empty());
  CHECK(values.at("sizes").type == TK_OPTION_INT_LIST);
  CHECK(values.at("condition").s == "1 epoch");
  CHECK(values.count("filename") == 0);  // NULL default: absent
  CHECK(values.at("target").s == "model");
  CHECK(values.at("target").from_manifest);
}

TEST_CASE("given options of every type are converted", "[options]") {
  const auto bound = bind_options(extension(R"(target = "model"
n_retains = 5
autoload = true
writer = "thread"
ratio = 2
keys = ["a", "b", "c"]
weights = [1, 2]
sizes = [3, 4]
condition = { every = "30 min" }
filename = "snap_{iteration}"
)"),
                                  kSnapshot);
  const auto& values = bound->values();
  CHECK(values.at("n_retains").i == 5);
  CHECK(values.at("n_retains").from_manifest);
  CHECK(values.at("autoload").b);
  CHECK(values.at("writer").s == "thread");
  CHECK(values.at("ratio").f == 2.0);  // FLOAT takes an integer
  CHECK(values.at("keys").strings == std::vector<std::string>{"a", "b", "c"});
  CHECK(values.at("weights").floats == std::vector<double>{1.0, 2.0});  // FLOAT_LIST takes integers
  CHECK(values.at("sizes").ints == std::vector<int64_t>{3, 4});
  CHECK(values.at("condition").s == "every 1800 s");  // canonical text of the table
  CHECK(values.at("filename").s == "snap_{iteration}");
}

TEST_CASE("a trigger option given as text is stored canonically", "[options]") {
  const auto bound = bind_options(extension("target = \"m\"\ncondition = \"2 epochs\"\n"), kSnapshot);
  CHECK(bound->values().at("condition").s == "2 epoch");
}

TEST_CASE("option errors name the place, the extension and the option", "[options][errors]") {
  CHECK(bind_error("target = \"m\"\nn_retain = 2\n") ==
        "manifest.toml:4:1: extension \"snapshot\": unknown option \"n_retain\" (did you mean \"n_retains\"?)");
  CHECK(bind_error("target = \"m\"\nkeys = \"main/loss\"\n") ==
        "manifest.toml:4:8: extension \"snapshot\": option \"keys\" expects a list of strings, got a string");
  CHECK(bind_error("target = \"m\"\nkeys = [\"a\", 2]\n") ==
        "manifest.toml:4:14: extension \"snapshot\": option \"keys\" expects a list of strings; item 1 is an integer");
  CHECK(bind_error("target = \"m\"\nn_retains = 2.5\n") ==
        "manifest.toml:4:13: extension \"snapshot\": option \"n_retains\" expects an integer, got a float");
  CHECK(bind_error("target = \"m\"\nautoload = \"yes\"\n") ==
        "manifest.toml:4:12: extension \"snapshot\": option \"autoload\" expects a boolean, got a string");
  CHECK(bind_error("target = \"m\"\nsizes = [1.5]\n") ==
        "manifest.toml:4:10: extension \"snapshot\": option \"sizes\" expects a list of integers; item 0 is a float");
  CHECK(bind_error("target = \"m\"\ncondition = 3\n") ==
        "manifest.toml:4:13: extension \"snapshot\": option \"condition\" expects a trigger (a string such as \"1 epoch\" "
        "or a table), got an integer");
  CHECK(bind_error("target = \"m\"\ncondition = { evry = \"5 min\" }\n") ==
        "manifest.toml:4:15: extension.snapshot.condition: unknown key \"evry\" (did you mean \"every\"?)");
  CHECK(bind_error("target = \"m\"\ncondition = \"sometimes\"\n") ==
        "manifest.toml:4:13: extension.snapshot.condition: trigger \"sometimes\" is not \"N iteration\", \"N epoch\", "
        "\"once\" or \"never\" with N > 0");
}

TEST_CASE("a missing required option names the extension's table", "[options][errors]") {
  CHECK(bind_error("n_retains = 1\n") == "manifest.toml:1:1: extension \"snapshot\": missing required option \"target\" "
                                         "(what to save)");
}

TEST_CASE("an overridden option is placed at --set", "[options][errors]") {
  CHECK(bind_error("target = \"m\"\n", {"extension.snapshot.n_retain=2"}) ==
        "--set extension \"snapshot\": unknown option \"n_retain\" (did you mean \"n_retains\"?)");
  const auto bound = bind_options(extension("target = \"m\"\n", {"extension.snapshot.n_retains=9"}), kSnapshot);
  CHECK(bound->values().at("n_retains").i == 9);
}

TEST_CASE("a class without options rejects every option", "[options][errors]") {
  const tk_extension_class bare = make_class(nullptr, 0);
  try {
    bind_options(extension("x = 1\n"), bare);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "manifest.toml:3:1: extension \"snapshot\": unknown option \"x\" (class \"snapshot\" takes no options)");
  }
}

TEST_CASE("bad declarations are the plugin's error", "[options][errors]") {
  const ExtensionConfig cfg = extension("");
  SECTION("a default that does not fit the type") {
    const tk_option_decl options[] = {{sizeof(tk_option_decl), "n", TK_OPTION_INT, 0, "three", ""}};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1)),
                      "extension class \"snapshot\" declares option \"n\" with default \"three\", which is not a TOML value");
    const tk_option_decl floats[] = {{sizeof(tk_option_decl), "f", TK_OPTION_FLOAT, 0, "\"x\"", ""}};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(floats, 1)),
                      "extension class \"snapshot\" declares option \"f\" with default \"\"x\"\", which is not a number");
  }
  SECTION("a bad trigger default") {
    const tk_option_decl options[] = {{sizeof(tk_option_decl), "t", TK_OPTION_TRIGGER, 0, "often", ""}};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1)),
                      Catch::StartsWith("extension class \"snapshot\" declares option \"t\" with default \"often\": trigger"));
  }
  SECTION("an unknown type") {
    const tk_option_decl options[] = {{sizeof(tk_option_decl), "x", 42, 0, nullptr, ""}};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1)),
                      "extension class \"snapshot\" declares option \"x\" with unknown type 42");
  }
  SECTION("a reserved name") {
    const tk_option_decl options[] = {{sizeof(tk_option_decl), "trigger", TK_OPTION_TRIGGER, 0, nullptr, ""}};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1)),
                      "extension class \"snapshot\" declares option \"trigger\", a key the manifest reserves "
                      "(use, name, trigger, priority)");
  }
}

TEST_CASE("the tk_config getters read the bound options", "[options][config]") {
  ExtensionConfig cfg = extension("target = \"model\"\nn_retains = 4\nkeys = [\"a\", \"b\"]\nsizes = [7, 8]\n");
  const auto bound = bind_options(cfg, kSnapshot);
  const tk_config* c = bound->view();
  REQUIRE(c->struct_size == sizeof(tk_config));
  CHECK(std::string(c->instance_name) == "snapshot");

  int32_t flag = -1;
  int64_t i = 0;
  double f = 0;
  const char* s = nullptr;
  size_t n = 0;

  SECTION("scalars") {
    CHECK(c->get_bool(c, "autoload", &flag) == TK_OK);
    CHECK(flag == 0);
    CHECK(c->get_i64(c, "n_retains", &i) == TK_OK);
    CHECK(i == 4);
    CHECK(c->get_f64(c, "ratio", &f) == TK_OK);
    CHECK(f == 0.5);
    CHECK(c->get_f64(c, "n_retains", &f) == TK_OK);  // an INT reads as a double
    CHECK(f == 4.0);
    CHECK(c->get_str(c, "target", &s) == TK_OK);
    CHECK(std::string(s) == "model");
    CHECK(c->get_str(c, "condition", &s) == TK_OK);  // a TRIGGER reads as its text
    CHECK(std::string(s) == "1 epoch");
  }
  SECTION("lists") {
    CHECK(c->get_list_size(c, "keys", &n) == TK_OK);
    CHECK(n == 2);
    CHECK(c->get_list_str(c, "keys", 1, &s) == TK_OK);
    CHECK(std::string(s) == "b");
    CHECK(c->get_list_size(c, "sizes", &n) == TK_OK);
    CHECK(n == 2);
    CHECK(c->get_list_i64(c, "sizes", 0, &i) == TK_OK);
    CHECK(i == 7);
    CHECK(c->get_list_f64(c, "sizes", 1, &f) == TK_OK);  // an INT_LIST reads as doubles
    CHECK(f == 8.0);
    CHECK(c->get_list_size(c, "weights", &n) == TK_OK);
    CHECK(n == 2);
    CHECK(c->get_list_f64(c, "weights", 1, &f) == TK_OK);
    CHECK(f == 2.5);
    CHECK(c->get_list_size(c, "n_retains", &n) == TK_ERR_INVALID);  // not a list
    CHECK(c->get_list_str(c, "keys", 2, &s) == TK_ERR_INVALID);      // past the end
    CHECK(c->get_list_i64(c, "keys", 0, &i) == TK_ERR_INVALID);      // wrong element type
  }
  SECTION("the wrong type is invalid") {
    CHECK(c->get_bool(c, "n_retains", &flag) == TK_ERR_INVALID);
    CHECK(c->get_i64(c, "ratio", &i) == TK_ERR_INVALID);
    CHECK(c->get_f64(c, "target", &f) == TK_ERR_INVALID);
    CHECK(c->get_str(c, "n_retains", &s) == TK_ERR_INVALID);
  }
  SECTION("undeclared or absent options are not found") {
    CHECK(c->get_i64(c, "no_such_option", &i) == TK_NOT_FOUND);
    CHECK(c->get_str(c, "filename", &s) == TK_NOT_FOUND);
    CHECK(c->get_list_size(c, "no_such_list", &n) == TK_NOT_FOUND);
  }
  SECTION("null arguments are invalid") {
    CHECK(c->get_i64(c, nullptr, &i) == TK_ERR_INVALID);
    CHECK(c->get_i64(c, "n_retains", nullptr) == TK_ERR_INVALID);
  }
}

TEST_CASE("instance_name follows the manifest's name", "[options][config]") {
  const ExtensionConfig cfg = parse_manifest(
      "[[extension]]\nuse = \"snapshot\"\ntarget = \"m\"\n[[extension]]\nuse = \"snapshot\"\ntarget = \"m\"\n",
      "manifest.toml").extensions.at(1);
  const auto bound = bind_options(cfg, kSnapshot);
  CHECK(std::string(bound->view()->instance_name) == "snapshot_1");
}

OptionValue text_value(const std::string& text) {
  OptionValue v;
  v.kind = OptionValue::Kind::kString;
  v.s = text;
  v.pos = SourcePos{"m.toml", 7, 11};
  return v;
}

OptionValue number_value(double x) {
  OptionValue v;
  v.kind = OptionValue::Kind::kFloat;
  v.f = x;
  v.pos = SourcePos{"m.toml", 7, 20};
  return v;
}

OptionValue table_value(std::vector<std::pair<std::string, OptionValue>> fields) {
  OptionValue v;
  v.kind = OptionValue::Kind::kTable;
  v.fields = std::move(fields);
  v.pos = SourcePos{"m.toml", 7, 11};
  return v;
}

TEST_CASE("trigger_from_option reads hand-built values", "[options][triggers]") {
  CHECK(trigger_from_option(text_value("100 iteration"), "t").period == 100);
  CHECK(trigger_from_option(text_value("never"), "t").kind == TriggerKind::kNever);

  OptionValue points;
  points.kind = OptionValue::Kind::kArray;
  points.items = {number_value(2), number_value(0.5)};
  const TriggerSpec at = trigger_from_option(table_value({{"at", points}, {"unit", text_value("epoch")}}), "t");
  CHECK(at.kind == TriggerKind::kManual);
  CHECK(at.unit == TriggerUnit::kEpoch);
  CHECK(at.points == std::vector<double>{0.5, 2});
  CHECK(at.text == "at [0.5, 2] epoch");

  const TriggerSpec best = trigger_from_option(table_value({{"best", text_value("validation/main/loss")}}), "t");
  CHECK(best.kind == TriggerKind::kBest);
  CHECK_FALSE(best.maximize);  // auto: a loss is minimized
  CHECK(best.period == 1);
  CHECK(best.unit == TriggerUnit::kEpoch);

  const TriggerSpec every = trigger_from_option(table_value({{"every", number_value(90)}}), "t");
  CHECK(every.kind == TriggerKind::kTime);
  CHECK(every.seconds == 90);

  OptionValue yes;
  yes.kind = OptionValue::Kind::kBool;
  yes.b = true;
  const TriggerSpec once = trigger_from_option(table_value({{"once", yes}}), "t");
  CHECK(once.kind == TriggerKind::kOnce);
  CHECK_FALSE(once.call_on_resume);

  CHECK_THROWS_WITH(trigger_from_option(table_value({}), "x.trigger"),
                    "m.toml:7:11: x.trigger: a trigger table needs one of at, best, every, once");
  CHECK_THROWS_WITH(trigger_from_option(table_value({{"unit", text_value("epoch")}}), "x.trigger"),
                    "m.toml:7:11: x.trigger: a trigger table needs one of at, best, every, once");
  CHECK_THROWS_WITH(trigger_from_option(table_value({{"every", number_value(-1)}}), "x.trigger"),
                    "m.toml:7:20: x.trigger.every: must be > 0 seconds");
  CHECK_THROWS_WITH(trigger_from_option(table_value({{"best", text_value("k")}, {"mode", text_value("up")}}), "x.trigger"),
                    "m.toml:7:11: x.trigger.mode: must be \"min\", \"max\" or \"auto\", not \"up\"");
}

}  // namespace
}  // namespace trainkit
