// Tests for runtime/cli/args.cpp: options land in Args, each command takes only its own options, and
// --help prints from the same table.
#include "cli/args.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.h"

namespace trainkit::cli {
namespace {

using Catch::Contains;

Args parse(std::vector<std::string> words) {
  words.insert(words.begin(), "trainkit");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  return parse_args(static_cast<int>(argv.size()), argv.data());
}

std::string error_of(const std::vector<std::string>& words) {
  try {
    parse(words);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("run takes its options in any order", "[cli]") {
  const Args a = parse({"run", "m.toml", "--set", "data.batch_size=8", "--set=trainer.stop=3 epoch", "--out", "o",
                        "--init-from", "w", "-q", "--resume", "snap"});
  CHECK(a.command == "run");
  CHECK(a.positionals == std::vector<std::string>{"m.toml"});
  CHECK(a.sets == std::vector<std::string>{"data.batch_size=8", "trainer.stop=3 epoch"});
  CHECK(a.out == "o");
  CHECK(a.init_from == "w");
  CHECK(a.quiet);
  CHECK(a.resume);
  CHECK(a.resume_path == "snap");
}

TEST_CASE("run: --resume takes neither a manifest (*.toml) nor an option as its SNAPSHOT", "[cli]") {
  const Args before = parse({"run", "--resume", "m.toml"});
  CHECK(before.resume);
  CHECK_FALSE(before.resume_path);
  CHECK(before.positionals == std::vector<std::string>{"m.toml"});
  const Args alone = parse({"run", "m.toml", "--resume", "--verbose"});
  CHECK(alone.resume);
  CHECK_FALSE(alone.resume_path);
  CHECK(alone.verbose);
}

TEST_CASE("the other commands take their own options", "[cli]") {
  const Args plugins = parse({"plugins", "--dir", "a", "--dir", "b", "--describe", "log_report"});
  CHECK(plugins.dirs == std::vector<std::string>{"a", "b"});
  CHECK(plugins.describe == "log_report");
  CHECK(parse({"inspect", "s", "--json"}).json);
  CHECK(parse({"validate", "m.toml", "--set", "a=b"}).sets == std::vector<std::string>{"a=b"});
}

TEST_CASE("an option the command does not take is an error naming both", "[cli][errors]") {
  CHECK(error_of({"inspect", "x", "--set", "a=b"}) ==
        "--set is not an option of `trainkit inspect` (it takes --json); see trainkit --help");
  CHECK(error_of({"--json", "run", "m.toml"}) ==
        "--json is not an option of `trainkit run` (it takes --set, --out, --resume, --init-from, --quiet, "
        "--verbose, --nproc); see trainkit --help");
  CHECK_THAT(error_of({"validate", "m.toml", "-q"}), Contains("--quiet is not an option of `trainkit validate`"));
  CHECK_THAT(error_of({"plugins", "--out", "x"}), Contains("--out is not an option of `trainkit plugins`"));
}

TEST_CASE("unknown options, commands and missing values are errors", "[cli][errors]") {
  CHECK(error_of({"run", "x.toml", "--sett", "a=b"}) ==
        "unknown option --sett (did you mean \"--set\"?); see trainkit --help");
  CHECK(error_of({"rnu"}) == "unknown command \"rnu\" (did you mean \"run\"?); see trainkit --help");
  CHECK(error_of({"run", "m.toml", "--out"}) == "--out needs a value; see trainkit --help");
  CHECK(error_of({"inspect", "s", "--json=yes"}) == "--json takes no value; see trainkit --help");
}

TEST_CASE("help and version answer whatever else is on the line", "[cli]") {
  CHECK(parse({"inspect", "x", "--set", "a=b", "--help"}).command == "help");
  CHECK(parse({"--version", "plugins", "--json"}).command == "version");
  CHECK(parse({}).command.empty());
}

TEST_CASE("usage lists each command with the options it takes and what each option does", "[cli]") {
  const std::string text = usage();
  CHECK_THAT(text, Contains("trainkit run MANIFEST [--set KEY=VALUE]... [--out DIR] [--resume [SNAPSHOT]] "
                            "[--init-from FILE] [-q|--quiet] [-v|--verbose]"));
  CHECK_THAT(text, Contains("trainkit validate MANIFEST [--set KEY=VALUE]...\n"));
  CHECK_THAT(text, Contains("trainkit plugins [--dir DIR]... [--describe NAME]\n"));
  CHECK_THAT(text, Contains("trainkit inspect FILE [--json]\n"));
  CHECK_THAT(text, Contains("--resume [SNAPSHOT]") && Contains("the newest valid snapshot"));
  CHECK_THAT(text, Contains("exit codes"));
}

}  // namespace
}  // namespace trainkit::cli
