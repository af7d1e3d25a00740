// Options that name files in the output folder (TK_OPTION_OUT_FILE), NUL bytes in string options, and
// values echoed into messages: the cases of issue 11 where a name escaped out/, two instances wrote one
// file, a NUL cut a name short, or a 10 MB value filled the error.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.h"
#include "manifest/extension_options.h"
#include "manifest/out_file_name.h"
#include "trainkit/sdk/config.hpp"

namespace trainkit {
namespace {

using Catch::Contains;
using Catch::EndsWith;
using Catch::Equals;
using Catch::StartsWith;

const tk_option_decl kOptions[] = {
    tk::option::out_file("filename", "log", "the log"),
    tk::option::string("title", "", "any text"),
    tk::option::string_list("keys", "[]", "observation keys"),
};

tk_extension_class make_class() {
  tk_extension_class cls{};
  cls.struct_size = sizeof(tk_extension_class);
  cls.name = "log_report";
  cls.options = kOptions;
  cls.option_count = sizeof(kOptions) / sizeof(kOptions[0]);
  return cls;
}

const tk_extension_class kLogReport = make_class();

std::string bind_error(const std::string& body) {
  const ExtensionConfig cfg =
      parse_manifest("[[extension]]\nuse = \"log_report\"\n" + body, "m.toml", {}).extensions.at(0);
  try {
    bind_options(cfg, kLogReport, "/runs/out");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("out-file: names that leave or misuse the output folder are refused", "[options][out_file]") {
  CHECK_THAT(*out_file_name_problem("../escape_log"), Equals("has a \"..\" component: it must stay inside the output folder"));
  CHECK_THAT(*out_file_name_problem("logs/../../x"), Equals("has a \"..\" component: it must stay inside the output folder"));
  CHECK_THAT(*out_file_name_problem("/tmp/log"), Equals("is an absolute path; name a file relative to the output folder"));
  CHECK_THAT(*out_file_name_problem("logs//log"), StartsWith("has an empty component"));
  CHECK_THAT(*out_file_name_problem("logs/"), StartsWith("has an empty component"));
  CHECK_THAT(*out_file_name_problem("./log"), StartsWith("has a \".\" component"));
  CHECK_THAT(*out_file_name_problem(".tmp.log.abc123"), StartsWith("starts with \".tmp.\""));
  CHECK_THAT(*out_file_name_problem("logs/.tmp.x"), StartsWith("starts with \".tmp.\""));
  CHECK_THAT(*out_file_name_problem(".lock"), Equals("is the output folder's lock file"));
  CHECK_THAT(*out_file_name_problem("epoch_{epoch}/log"), StartsWith("has a placeholder in its folder part \"epoch_{epoch}\""));
  CHECK_THAT(*out_file_name_problem(std::string(256, 'a')), StartsWith("has a component of 256 bytes"));
  CHECK_THAT(*out_file_name_problem(std::string(5000, 'a')), StartsWith("is 5000 bytes long"));
}

TEST_CASE("out-file: plain names, sub-folders, templates and hidden files that are not temp files pass",
          "[options][out_file]") {
  for (const char* name : {"log", "logs/log.jsonl", "a/b/c/plot.png", "snapshot_iter_{iteration}", ".hidden_log",
                           "{name}_{global_step}_{score_name}={score}.{ext}", "log.tmp.x"}) {
    INFO(name);
    CHECK_FALSE(out_file_name_problem(name));
  }
  CHECK(out_file_folder("a/b/log_{epoch}") == "a/b");
  CHECK(out_file_folder("log") == "");
}

TEST_CASE("out-file: two names collide exactly when some numbers make them one path", "[options][out_file]") {
  CHECK(could_name_same_file("log", "log"));
  CHECK_FALSE(could_name_same_file("log", "log.jsonl"));
  CHECK(could_name_same_file("log_{epoch}", "log_1"));
  CHECK(could_name_same_file("log_{epoch}", "log_{iteration}"));
  CHECK_FALSE(could_name_same_file("log_{epoch}", "log_x"));
  CHECK_FALSE(could_name_same_file("log_{epoch}", "log_"));  // a placeholder is at least one digit
  // A trainer and a model snapshot side by side: same text before the placeholder, never the same name.
  CHECK_FALSE(could_name_same_file("snapshot_iter_{iteration}", "snapshot_iter_{iteration}.model"));
  CHECK(could_name_same_file("snap_{iteration}_{epoch}", "snap_{epoch}_{iteration}"));
  CHECK(could_name_same_file("snap_{iteration}0", "snap_1{epoch}"));  // snap_10
  CHECK_FALSE(could_name_same_file("a/log", "b/log"));
  CHECK(could_name_same_file("a/log_{epoch}", "a/log_7"));
  // Other placeholders (a plugin's own) stand for any text without '/'; "{{" is a literal brace.
  CHECK(could_name_same_file("{name}_{global_step}.{ext}", "model_3.tkpt"));
  CHECK_FALSE(could_name_same_file("{name}.{ext}", "log"));
  CHECK(could_name_same_file("x{{y", "x{y"));
  CHECK_FALSE(could_name_same_file("x{{y", "x{{y}}"));
  // A file where another name needs a folder.
  CHECK(could_name_folder("logs", "logs/a"));
  CHECK(could_name_folder("log_{epoch}", "log_3/a"));
  CHECK_FALSE(could_name_folder("logs", "other/logs"));
}

TEST_CASE("out-file: long names with many placeholders are decided quickly", "[options][out_file]") {
  std::string a, b;
  for (int i = 0; i < 20; ++i) {
    a += "{iteration}x";
    b += "1{epoch}";
  }
  const auto start = std::chrono::steady_clock::now();
  could_name_same_file(a, b);
  could_name_same_file(std::string(255, '1'), std::string(127, 'z') + "{iteration}{epoch}" + std::string(100, 'z'));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("out-file: the binding refuses a bad name at its place in the manifest", "[options][out_file]") {
  CHECK_THAT(bind_error("filename = \"../escape_log\"\n"),
             Equals("m.toml:3:12: extension \"log_report\": option \"filename\" = \"../escape_log\" has a \"..\" "
                    "component: it must stay inside the output folder"));
  CHECK_THAT(bind_error("filename = \"/abs/log\"\n"), StartsWith("m.toml:3:12: ") && Contains("is an absolute path"));
  CHECK_THAT(bind_error("filename = \"logs/log\"\n"), Equals("(no error)"));
  CHECK_THAT(bind_error("filename = \"\"\n"), Equals("(no error)"));  // "" is "no file"
}

TEST_CASE("options: a NUL byte is refused in every string option, where it is", "[options][nul]") {
  CHECK_THAT(bind_error("filename = \"x\\u0000{iteration}\"\n"),
             Equals("m.toml:3:12: extension \"log_report\": option \"filename\" holds a NUL character (\\u0000) in "
                    "\"x\\u0000{iteration}\"; plugins read strings only up to it"));
  CHECK_THAT(bind_error("title = \"a\\u0000b\"\n"), StartsWith("m.toml:3:9: ") && Contains("holds a NUL character"));
  CHECK_THAT(bind_error("keys = [\"ok\", \"b\\u0000\"]\n"), StartsWith("m.toml:3:15: ") && Contains("holds a NUL character"));
}

TEST_CASE("options: a huge value is echoed cut, with its length", "[options][echo]") {
  const std::string huge(10 << 20, 'a');
  const std::string message = bind_error("filename = \"/" + huge + "\"\n");
  CHECK(message.size() < 400);
  CHECK_THAT(message, Contains("\"/" + std::string(79, 'a') + "\"... (10485761 bytes)"));
  const std::string unknown = bind_error(huge + " = 1\n");
  CHECK(unknown.size() < 400);
  CHECK_THAT(unknown, Contains("unknown option \"aaaa"));
}

TEST_CASE("options: quoted_value escapes control bytes and cuts at a character boundary", "[options][echo]") {
  CHECK(quoted_value("plain") == "\"plain\"");
  CHECK(quoted_value(std::string("a\0b\n", 4)) == "\"a\\u0000b\\u000a\"");
  CHECK(quoted_value("say \"hi\"") == "\"say \\\"hi\\\"\"");
  const std::string euros = [] {
    std::string s;
    for (int i = 0; i < 40; ++i) s += "\xe2\x82\xac";  // 3 bytes each; byte 80 is inside the 27th
    return s;
  }();
  const std::string shown = quoted_value(euros);
  CHECK_THAT(shown, EndsWith("\"... (120 bytes)"));
  CHECK(shown.size() == 1 + 78 + std::string("\"... (120 bytes)").size());
}

}  // namespace
}  // namespace trainkit
