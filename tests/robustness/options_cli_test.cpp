// Extension options end to end: a file name that would leave out/ or overwrite another instance's file,
// a NUL byte, a 10 MB value, and a value only the plugin's own constructor refuses. Each is refused by
// `validate` and by `run` alike, before anything trains (exit 2), at its place in the manifest.
#include <catch2/catch.hpp>

#include <filesystem>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

// "m.toml:<line>:" of the first line of text that starts with `start`.
std::string place_of(const std::string& text, const std::string& start) {
  size_t line = 1;
  for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1, ++line) {
    if (text.compare(pos, start.size(), start) == 0) return "m.toml:" + std::to_string(line) + ":";
    if (text.find('\n', pos) == std::string::npos) break;
  }
  return "(no line starts with " + start + ")";
}

struct Refused {
  ProcessResult validate, run;
};

// validate and run of the small manifest with these extensions; both must refuse it the same way.
Refused both(const TempDir& dir, const std::string& extensions) {
  write_file(dir.file("m.toml"), small_manifest("1 epoch", extensions));
  return {run_trainkit({"validate", dir.file("m.toml")}), run_trainkit({"run", dir.file("m.toml")})};
}

}  // namespace

TEST_CASE("options: a log_report filename with \"..\" is refused before training; nothing is written outside out/") {
  TempDir dir;
  const std::string ext = "[[extension]]\nuse = \"log_report\"\nfilename = \"../escape_log\"\n";
  const Refused r = both(dir, ext);
  for (const ProcessResult* p : {&r.validate, &r.run}) {
    CHECK(p->exit_code == 2);
    CHECK_THAT(p->err, Contains(place_of(small_manifest("1 epoch", ext), "filename")) &&
                           Contains("option \"filename\" = \"../escape_log\" has a \"..\" component"));
  }
  CHECK_FALSE(file_exists(dir.file("escape_log")));
}

TEST_CASE("options: an absolute log_report filename is refused before training") {
  TempDir dir;
  const Refused r = both(dir, "[[extension]]\nuse = \"log_report\"\nfilename = \"" + dir.file("abs_log") + "\"\n");
  CHECK(r.validate.exit_code == 2);
  CHECK(r.run.exit_code == 2);
  CHECK_THAT(r.run.err, Contains("is an absolute path"));
  CHECK_FALSE(file_exists(dir.file("abs_log")));
}

TEST_CASE("options: two log_report instances with the default filename are refused, naming both") {
  TempDir dir;
  const Refused r = both(dir, "[[extension]]\nuse = \"log_report\"\n\n[[extension]]\nuse = \"log_report\"\n");
  for (const ProcessResult* p : {&r.validate, &r.run}) {
    CHECK(p->exit_code == 2);
    CHECK_THAT(p->err, Contains("extension \"log_report_1\": option \"filename\"") &&
                           Contains("can name the same file in the output folder as option \"filename\" of "
                                    "extension \"log_report\" (\"log\", its default)"));
  }
}

TEST_CASE("options: snapshot file names that can meet are refused, a trainer and a model snapshot may share out/") {
  TempDir dir;
  const std::string two = "[[extension]]\nuse = \"snapshot\"\nfilename = \"snap_{iteration}\"\n\n"
                          "[[extension]]\nuse = \"snapshot\"\nfilename = \"snap_{epoch}\"\n";
  CHECK(both(dir, two).validate.exit_code == 2);
  write_file(dir.file("m.toml"), small_manifest("1 epoch", "[[extension]]\nuse = \"snapshot\"\n\n[[extension]]\n"
                                                           "use = \"snapshot\"\ntarget = \"model\"\n"
                                                           "filename = \"snapshot_iter_{iteration}.model\"\n"));
  CHECK(run_trainkit({"validate", dir.file("m.toml")}).exit_code == 0);
}

TEST_CASE("options: a NUL byte in a snapshot filename is refused, not cut short to one file") {
  TempDir dir;
  const Refused r = both(dir, "[[extension]]\nuse = \"snapshot\"\nfilename = \"x\\u0000{iteration}\"\n");
  for (const ProcessResult* p : {&r.validate, &r.run}) {
    CHECK(p->exit_code == 2);
    CHECK_THAT(p->err, Contains("holds a NUL character (\\u0000) in \"x\\u0000{iteration}\""));
  }
  CHECK_FALSE(file_exists(dir.file("result/x")));
}

// 1 MB rather than the 10 MB: a manifest that large may be refused for its size before any option
// is read.
TEST_CASE("options: a 1 MB option value is echoed in a message of one short line") {
  TempDir dir;
  const Refused r = both(dir, "[[extension]]\nuse = \"log_report\"\nfilename = \"/" + std::string(1 << 20, 'a') + "\"\n");
  for (const ProcessResult* p : {&r.validate, &r.run}) {
    CHECK(p->exit_code == 2);
    CHECK(p->err.size() < 1000);
    CHECK_THAT(p->err, Contains("... (1048577 bytes) is an absolute path"));
  }
}

TEST_CASE("options: a value the plugin's constructor refuses fails validate too, placed at its table") {
  TempDir dir;
  const std::string ext = "[[extension]]\nuse = \"plot_report\"\ny_keys = [\"main/loss\"]\nfilename = \"loss.jpg\"\n";
  const Refused r = both(dir, ext);
  const std::string table = place_of(small_manifest("1 epoch", ext), "[[extension]]") + "1: extension \"plot_report\"";
  for (const ProcessResult* p : {&r.validate, &r.run}) {
    CHECK(p->exit_code == 2);
    CHECK_THAT(p->err, Contains(table) && Contains("failed in create: filename \"loss.jpg\" must end in .png or .svg"));
  }
  CHECK_THAT(r.validate.out, !Contains("is valid"));
}

TEST_CASE("options: a name whose folder exists as a file is refused by validate and run") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("result"));
  write_file(dir.file("result/logs"), "not a folder");
  const Refused r = both(dir, "[[extension]]\nuse = \"log_report\"\nfilename = \"logs/log\"\n");
  CHECK(r.validate.exit_code == 2);
  CHECK(r.run.exit_code == 2);
  CHECK_THAT(r.run.err, Contains("needs the folder " + dir.file("result/logs") + ", but that exists and is not a folder"));
}

TEST_CASE("options: a log in a sub-folder of out/ that does not exist yet is written there") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"),
             small_manifest("1 epoch", "[[extension]]\nuse = \"log_report\"\nfilename = \"logs/train/log\"\n"));
  const ProcessResult r = run_trainkit({"run", dir.file("m.toml")});
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(dir.file("result/logs/train/log")).size() == 1);
}
