// runtime/plugin/entry_checks.cpp on hand-built classes: option arrays are walked by the plugin's own
// stride (tk::OptionDecls), and bad declarations are refused at load, naming the class and the option.
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

#include <vector>

#include <trainkit/sdk/config.hpp>

#include "plugin/entry_checks.h"

namespace trainkit {
namespace {

tk_status create(const tk_extension_class*, const tk_config*, const tk_host*, void**, tk_error*) { return TK_OK; }
void destroy(void*) {}
tk_status call(void*, const tk_context*, tk_error*) { return TK_OK; }

tk_extension_class make_class(const void* options, size_t count) {
  tk_extension_class cls{};
  cls.struct_size = sizeof(tk_extension_class);
  cls.name = "demo";
  cls.default_trigger = "1 epoch";
  cls.options = static_cast<const tk_option_decl*>(options);
  cls.option_count = count;
  cls.create = &create;
  cls.destroy = &destroy;
  cls.call = &call;
  return cls;
}

std::string refusal(const tk_extension_class& cls) { return check_extension_class(&cls, 0).value_or("(accepted)"); }

// tk_option_decl as SDK 1.0 declared it: what a 1.0 plugin's array is made of.
struct OptionDeclV1_0 {
  uint32_t struct_size;
  const char* name;
  int32_t type;
  uint32_t flags;
  const char* default_value;
  const char* doc;
};
static_assert(sizeof(OptionDeclV1_0) == tk::kOptionDeclSize1_0, "the 1.0 element this test imitates");

const char* const kSides[] = {"left", "right"};

tk_option_decl choice(const char* name, const char* const* choices, size_t count) {
  return tk_option_decl{sizeof(tk_option_decl), name, TK_OPTION_CHOICE, 0, nullptr, "", choices, count};
}

}  // namespace

TEST_CASE("entry checks: a 1.0 plugin's shorter option elements are walked by their own size", "[plugin][checks]") {
  const OptionDeclV1_0 options[] = {
      {sizeof(OptionDeclV1_0), "key", TK_OPTION_STRING, 0, "a", "first"},
      {sizeof(OptionDeclV1_0), "value", TK_OPTION_FLOAT, 0, "1.5", "second"},
      {sizeof(OptionDeclV1_0), "count", TK_OPTION_INT, 0, "3", "third"},
  };
  const tk_extension_class cls = make_class(options, 3);
  CHECK(refusal(cls) == "(accepted)");
  const tk::OptionDecls decls(cls);
  REQUIRE(decls.size() == 3);
  CHECK(std::string(decls[2].name) == "count");
  CHECK(std::string(decls[2].default_value) == "3");
  CHECK(decls.find("value") == &decls[1]);
  CHECK(decls.find("nope") == nullptr);
}

TEST_CASE("entry checks: an option array that cannot be walked is refused", "[plugin][checks]") {
  SECTION("no array") {
    CHECK(refusal(make_class(nullptr, 2)) == "extension class \"demo\": declares 2 options but no array");
  }
  SECTION("an element smaller than SDK 1.0's") {
    OptionDeclV1_0 options[] = {{8, "x", TK_OPTION_INT, 0, "1", ""}};
    CHECK(refusal(make_class(options, 1)) ==
          "extension class \"demo\": option #0 has struct_size 8, smaller than SDK 1.0's " +
              std::to_string(tk::kOptionDeclSize1_0));
  }
  SECTION("a size no array element can have") {
    OptionDeclV1_0 options[] = {{tk::kOptionDeclSize1_0 + 4, "x", TK_OPTION_INT, 0, "1", ""}};
    CHECK_THAT(refusal(make_class(options, 1)), Catch::Contains("not a multiple of 8"));
  }
  SECTION("elements of two sizes") {
    tk_option_decl options[] = {choice("a", kSides, 2), choice("b", kSides, 2)};
    options[1].struct_size = tk::kOptionDeclSize1_0;
    CHECK(refusal(make_class(options, 2)) ==
          "extension class \"demo\": option #1 has struct_size " + std::to_string(tk::kOptionDeclSize1_0) +
              ", option #0 has " + std::to_string(sizeof(tk_option_decl)) + " (one array has one element size)");
  }
}

TEST_CASE("entry checks: each declaration needs a name, a free key and a known type", "[plugin][checks]") {
  tk_option_decl option = tk::option::integer("n", "1", "");
  const tk_extension_class cls = make_class(&option, 1);
  CHECK(refusal(cls) == "(accepted)");
  option.name = "";
  CHECK(refusal(cls) == "extension class \"demo\": option #0 has no name");
  option.name = "trigger";
  CHECK(refusal(cls) == "extension class \"demo\": option \"trigger\" is a key the manifest reserves "
                        "(use, name, trigger, priority)");
  option.name = "n";
  option.type = 42;
  CHECK(refusal(cls) == "extension class \"demo\": option \"n\" has unknown type 42");
}

TEST_CASE("entry checks: a choice declares a non-empty set of distinct strings", "[plugin][checks]") {
  tk_option_decl option = choice("side", kSides, 2);
  const tk_extension_class cls = make_class(&option, 1);
  CHECK(refusal(cls) == "(accepted)");
  CHECK(tk::choices_of(option) == std::vector<std::string>{"left", "right"});

  option.choice_count = 0;
  CHECK(refusal(cls) == "extension class \"demo\": option \"side\" is a choice without choices");
  const char* const with_null[] = {"left", nullptr};
  option = choice("side", with_null, 2);
  CHECK(refusal(cls) == "extension class \"demo\": option \"side\" has choice #1 NULL");
  const char* const twice[] = {"left", "right", "left"};
  option = choice("side", twice, 3);
  CHECK(refusal(cls) == "extension class \"demo\": option \"side\" lists choice \"left\" twice");
}

TEST_CASE("entry checks: a choice in a 1.0-sized declaration has no choices to read", "[plugin][checks]") {
  const OptionDeclV1_0 options[] = {{sizeof(OptionDeclV1_0), "side", TK_OPTION_CHOICE, 0, "left", ""}};
  const tk_extension_class cls = make_class(options, 1);
  CHECK(refusal(cls) == "extension class \"demo\": option \"side\" is a choice, but its declaration (struct_size " +
                            std::to_string(tk::kOptionDeclSize1_0) + ") ends before SDK 1.1's choices");
  CHECK(tk::choices_of(tk::OptionDecls(cls)[0]).empty());
}

}  // namespace trainkit
