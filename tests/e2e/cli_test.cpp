// The CLI's own commands: version, help, plugins, describe, validate.
#include <catch2/catch.hpp>

#include <trainkit/abi/version.h>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

TEST_CASE("version and help exit 0 and say what they are") {
  auto v = run_trainkit({"--version"});
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Contains("trainkit ") &&
                        Contains("plugin ABI " + std::to_string(TK_ABI_MAJOR) + "." + std::to_string(TK_ABI_MINOR)));
  auto h = run_trainkit({"--help"});
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, Contains("trainkit run MANIFEST") && Contains("exit codes"));
  CHECK_THAT(h.out, Contains("trainkit inspect FILE [--json]"));
}

TEST_CASE("no command or an unknown command is a usage error (exit 2)") {
  CHECK(run_trainkit({}).exit_code == 2);
  auto r = run_trainkit({"rnu"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("unknown command \"rnu\"") && Contains("did you mean \"run\""));
  auto o = run_trainkit({"run", "x.toml", "--sett", "a=b"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, Contains("unknown option --sett") && Contains("--set"));
}

TEST_CASE("an option the command does not take is a usage error naming both (exit 2)") {
  auto r = run_trainkit({"inspect", "x", "--set", "a=b"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("--set is not an option of `trainkit inspect`") && Contains("--json"));
  auto v = run_trainkit({"validate", "m.toml", "--out", "o"});
  CHECK(v.exit_code == 2);
  CHECK_THAT(v.err, Contains("--out is not an option of `trainkit validate`"));
}

TEST_CASE("plugins prints a table with every standard plugin") {
  auto r = run_trainkit({"plugins"});
  REQUIRE(r.exit_code == 0);
  for (const char* id :
       {"org.trainkit.log_report", "org.trainkit.print_report", "org.trainkit.progress_bar", "org.trainkit.observe_lr",
        "org.trainkit.evaluator", "org.trainkit.snapshot", "org.trainkit.checkpoint", "org.trainkit.plot_report",
        "org.trainkit.fail_on_non_number", "org.trainkit.exponential_shift", "org.trainkit.linear_shift",
        "org.trainkit.multistep_shift", "org.trainkit.step_shift", "org.trainkit.polynomial_shift",
        "org.trainkit.warmup_shift", "org.trainkit.inverse_shift", "org.trainkit.cosine_shift"})
    CHECK_THAT(r.out, Contains(id));
  CHECK_THAT(r.out, Contains("FILE") && Contains("ID") && Contains("VERSION") && Contains("ABI"));
  CHECK_THAT(r.out, Contains("log_report.so"));
}

TEST_CASE("plugins --describe lists a class's options with type, default and doc") {
  auto r = run_trainkit({"plugins", "--describe", "log_report"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("log_report") && Contains("org.trainkit.log_report"));
  CHECK_THAT(r.out, Contains("default trigger:  1 epoch"));
  CHECK_THAT(r.out, Contains("filename") && Contains("\"log\"") && Contains("keys"));
  auto bad = run_trainkit({"plugins", "--describe", "log_reprot"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("did you mean \"log_report\""));
}

TEST_CASE("plugins reports a refused file with its reason while the others load") {
  TempDir dir;
  write_file(dir.file("garbage.so"), "this is not a shared object\n");
  auto r = run_trainkit({"plugins", "--dir", dir.path()});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("garbage.so") && Contains("refused: ") && Contains("not an ELF"));
  CHECK_THAT(r.out, Contains("org.trainkit.log_report"));
}

TEST_CASE("validate prints the plan in run order and trains nothing") {
  TempDir dir;
  write_file(dir.file("m.toml"), small_manifest("1 epoch", R"(
[[extension]]
use = "log_report"
[[extension]]
use = "evaluator"
[[extension]]
use = "log_report"
filename = "log2"
)"));
  auto r = run_trainkit({"validate", dir.file("m.toml")});
  REQUIRE(r.exit_code == 0);
  // evaluator (WRITER, 300) runs before the two readers; the repeated class gets the _1 suffix.
  auto eval = r.out.find("evaluator  ("), log = r.out.find("log_report  ("), log1 = r.out.find("log_report_1  (");
  REQUIRE(eval != std::string::npos);
  REQUIRE(log != std::string::npos);
  REQUIRE(log1 != std::string::npos);
  CHECK(eval < log);
  CHECK(log < log1);
  CHECK_THAT(r.out, Contains("filename = \"log2\"") && Contains("ok: "));
  CHECK_FALSE(file_exists(dir.file("result")));
}
