// Tests for runtime/manifest/extension_options.cpp: options checked against a class's declarations, defaults,
// the tk_config getters, and trigger_from_option on hand-built values.
#include "manifest/extension_options.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "trainkit/sdk/config.hpp"

namespace trainkit {
namespace {

// A class that declares one option of every type, as a plugin would.
const tk_option_decl kOptions[] = {
    tk::option::integer("n_retains", "3", "snapshots to keep"),
    tk::option::boolean("autoload", "false", "resume from the newest snapshot"),
    tk::option::string("writer", "simple", "how files are written"),
    tk::option::real("ratio", "0.5", "a float"),
    tk::option::string_list("keys", "[\"main/loss\", \"lr\"]", "observation keys"),
    tk::option::real_list("weights", "[1, 2.5]", "floats"),
    tk::option::integer_list("sizes", "[]", "integers"),
    tk::option::trigger("condition", "1 epoch", "when to write"),
    tk::option::string("filename", nullptr, "no default: absent unless given"),
    tk::option::required(tk::option::string("target", "ignored", "what to save")),
    tk::option::choice("format", "trainkit", {"trainkit", "torch"}, "file format"),
};

// The run's output folder every view in these tests carries.
const std::string kOut = "/srv/runs/a/result";

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
    bind_options(extension(body, overrides), kSnapshot, kOut);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("undeclared-in-manifest options get their declared defaults", "[options]") {
  const auto bound = bind_options(extension("target = \"model\"\n"), kSnapshot, kOut);
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
                                  kSnapshot, kOut);
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
  const auto bound = bind_options(extension("target = \"m\"\ncondition = \"2 epochs\"\n"), kSnapshot, kOut);
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
  const auto bound = bind_options(extension("target = \"m\"\n", {"extension.snapshot.n_retains=9"}), kSnapshot, kOut);
  CHECK(bound->values().at("n_retains").i == 9);
}

TEST_CASE("a class without options rejects every option", "[options][errors]") {
  const tk_extension_class bare = make_class(nullptr, 0);
  try {
    bind_options(extension("x = 1\n"), bare, kOut);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "manifest.toml:3:1: extension \"snapshot\": unknown option \"x\" (class \"snapshot\" takes no options)");
  }
}

TEST_CASE("bad declarations are the plugin's error", "[options][errors]") {
  const ExtensionConfig cfg = extension("");
  SECTION("a default that does not fit the type") {
    const tk_option_decl options[] = {tk::option::integer("n", "three", "")};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1), kOut),
                      "extension class \"snapshot\" declares option \"n\" with default \"three\", which is not a TOML value");
    const tk_option_decl floats[] = {tk::option::real("f", "\"x\"", "")};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(floats, 1), kOut),
                      "extension class \"snapshot\" declares option \"f\" with default \"\"x\"\", which is not a number");
  }
  SECTION("a bad trigger default") {
    const tk_option_decl options[] = {tk::option::trigger("t", "often", "")};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1), kOut),
                      Catch::StartsWith("extension class \"snapshot\" declares option \"t\" with default \"often\": trigger"));
  }
  SECTION("a choice default outside its choices") {
    const tk_option_decl options[] = {tk::option::choice("c", "maybe", {"yes", "no"}, "")};
    CHECK_THROWS_WITH(bind_options(cfg, make_class(options, 1), kOut),
                      "extension class \"snapshot\" declares option \"c\" with default \"maybe\", which must be one of "
                      "\"yes\", \"no\", not \"maybe\"");
  }
}

TEST_CASE("a choice takes one of its declared strings, or says which with a did-you-mean", "[options][choice]") {
  const auto bound = bind_options(extension("target = \"m\"\nformat = \"torch\"\n"), kSnapshot, kOut);
  CHECK(bound->values().at("format").type == TK_OPTION_CHOICE);
  CHECK(bound->values().at("format").s == "torch");
  const tk_config* c = bound->view();
  const char* s = nullptr;
  CHECK(c->get_str(c, "format", &s) == TK_OK);  // a CHOICE reads as its string
  CHECK(std::string(s) == "torch");
  CHECK(bind_options(extension("target = \"m\"\n"), kSnapshot, kOut)->values().at("format").s == "trainkit");

  CHECK(bind_error("target = \"m\"\nformat = \"troch\"\n") ==
        "manifest.toml:4:10: extension \"snapshot\": option \"format\" must be one of \"trainkit\", \"torch\", not "
        "\"troch\" (did you mean \"torch\"?)");
  CHECK(bind_error("target = \"m\"\nformat = \"npz\"\n") ==
        "manifest.toml:4:10: extension \"snapshot\": option \"format\" must be one of \"trainkit\", \"torch\", not \"npz\"");
  CHECK(bind_error("target = \"m\"\nformat = 1\n") ==
        "manifest.toml:4:10: extension \"snapshot\": option \"format\" expects a string, got an integer");
}

TEST_CASE("the view carries the run's out folder (ABI 1.1)", "[options][config]") {
  const auto bound = bind_options(extension("target = \"m\"\n"), kSnapshot, kOut);
  const tk_config* c = bound->view();
  REQUIRE(TK_HAS_MEMBER(tk_config, c, out_dir));
  CHECK(std::string(c->out_dir) == kOut);
}

TEST_CASE("options declared by a 1.0 plugin, whose elements are shorter, bind by their own stride", "[options]") {
  struct OptionDeclV1_0 {  // tk_option_decl as SDK 1.0 declared it
    uint32_t struct_size;
    const char* name;
    int32_t type;
    uint32_t flags;
    const char* default_value;
    const char* doc;
  };
  static_assert(sizeof(OptionDeclV1_0) < sizeof(tk_option_decl), "1.1 appended members");
  const OptionDeclV1_0 options[] = {
      {sizeof(OptionDeclV1_0), "key", TK_OPTION_STRING, 0, "abi/v1_0", ""},
      {sizeof(OptionDeclV1_0), "value", TK_OPTION_FLOAT, 0, "1.5", ""},
      {sizeof(OptionDeclV1_0), "count", TK_OPTION_INT, 0, "2", ""},
  };
  tk_extension_class cls = make_class(nullptr, 3);
  cls.options = reinterpret_cast<const tk_option_decl*>(options);
  const auto bound = bind_options(extension("value = 2.25\n"), cls, kOut);
  CHECK(bound->values().at("key").s == "abi/v1_0");
  CHECK(bound->values().at("value").f == 2.25);
  CHECK(bound->values().at("count").i == 2);
}

TEST_CASE("the tk_config getters read the bound options", "[options][config]") {
  ExtensionConfig cfg = extension("target = \"model\"\nn_retains = 4\nkeys = [\"a\", \"b\"]\nsizes = [7, 8]\n");
  const auto bound = bind_options(cfg, kSnapshot, kOut);
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
  const auto bound = bind_options(cfg, kSnapshot, kOut);
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
