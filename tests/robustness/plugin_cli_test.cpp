// `trainkit plugins` and `trainkit validate` next to plugin files that would crash, hang or block the
// process that opens them, and folders that are not what they seem: each is refused with its reason, in
// bounded time, and every other plugin still loads.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "damaged_plugin.h"
#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;
using Catch::Matches;

namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& relative) { return std::string(TK_FIXTURE_DIR) + "/" + relative; }

std::string add(const TempDir& dir, const std::string& fixture_relative, const std::string& name) {
  const std::string to = dir.file(name);
  fs::copy_file(fixture(fixture_relative), to);
  fs::permissions(to, fs::perms(0755), fs::perm_options::replace);
  return to;
}

// good_b.so, damaged so that the system loader asserts (damaged_plugin.h).
void add_damaged(const TempDir& dir, const std::string& name) { tk_test::damage_first_program_header(add(dir, "good/good_b.so", name)); }

// The output line of `trainkit plugins` for a file name.
std::string row(const std::string& out, const std::string& file) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(file + " ", 0) == 0) return line;
  return "(no row for " + file + ")";
}

ProcessResult plugins(const std::string& dir, const TempDir& cache, std::map<std::string, std::string> env = {}) {
  env["XDG_CACHE_HOME"] = cache.path();
  return run_trainkit({"plugins", "--dir", dir}, env);
}

}  // namespace

TEST_CASE("plugins: a file that crashes the system loader is refused with ld.so's words, and the rest load") {
  TempDir dir, cache;
  add(dir, "good/good_b.so", "good_b.so");
  add_damaged(dir, "damaged.so");
  const ProcessResult r = plugins(dir.path(), cache);
  CHECK(r.exit_code == 0);
  CHECK_THAT(row(r.out, "good_b.so"), Contains("org.trainkit.test.good_b"));
  CHECK_THAT(row(r.out, "damaged.so"),
             Contains("refused: " + tk_test::damaged_loader_refusal("the plugin scanner exited with code 127 while loading it; "
                                                       "it printed: Inconsistency detected by ld.so")));
  CHECK_THAT(row(r.out, "log_report.so"), Contains("org.trainkit.log_report"));  // the standard plugins too
}

TEST_CASE("plugins: crashing, hanging and exiting constructors are refused within the scan time limit") {
  TempDir dir, cache;
  add(dir, "hostile/crash_constructor.so", "crash.so");
  add(dir, "hostile/hang_constructor.so", "hang.so");
  add(dir, "hostile/exit_constructor.so", "exit.so");
  add(dir, "hostile/init_crash.so", "init.so");
  add(dir, "good/good_a.so", "good_a.so");
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = plugins(dir.path(), cache, {{"TRAINKIT_PLUGIN_SCAN_TIMEOUT", "1"}});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  CHECK(r.exit_code == 0);
  CHECK_THAT(row(r.out, "crash.so"), Contains("refused: crashed the plugin scanner (SIGSEGV: Segmentation fault)"));
  CHECK_THAT(row(r.out, "hang.so"), Contains("refused: did not finish loading within 1 s in the plugin scanner"));
  CHECK_THAT(row(r.out, "exit.so"), Contains("refused: the plugin scanner ended without a verdict"));
  CHECK_THAT(row(r.out, "init.so"), Contains("refused: crashed the plugin scanner (SIGSEGV"));
  CHECK_THAT(row(r.out, "good_a.so"), Contains("org.trainkit.test.good_a"));
}

TEST_CASE("plugins: verdicts are cached in XDG_CACHE_HOME; a cache that cannot be written is no error") {
  TempDir dir, cache;
  add(dir, "good/good_b.so", "good_b.so");
  add_damaged(dir, "damaged.so");
  const ProcessResult first = plugins(dir.path(), cache);
  const std::string cached = read_file(cache.file("trainkit/plugin-scan.json"));
  CHECK_THAT(cached, Contains(dir.file("damaged.so")) && Contains("Inconsistency detected by ld.so"));
  CHECK_THAT(cached, Contains(dir.file("good_b.so")));
  const ProcessResult second = plugins(dir.path(), cache);
  CHECK(second.exit_code == 0);
  CHECK(second.out == first.out);

  const ProcessResult unwritable = run_trainkit({"plugins", "--dir", dir.path()}, {{"XDG_CACHE_HOME", "/proc/self"}});
  CHECK(unwritable.exit_code == 0);
  CHECK(unwritable.out == first.out);
}

TEST_CASE("plugins: FIFOs, devices, symlink loops, dangling links and directories named *.so are listed, never opened") {
  TempDir dir, cache;
  add(dir, "good/good_b.so", "good_b.so");
  REQUIRE(::mkfifo(dir.file("fifo.so").c_str(), 0600) == 0);
  fs::create_symlink("/dev/zero", dir.file("device.so"));
  fs::create_symlink(dir.file("loop.so"), dir.file("loop.so"));
  fs::create_symlink(dir.file("gone.so"), dir.file("dangling.so"));
  fs::create_directory(dir.file("folder.so"));
  const ProcessResult r = plugins(dir.path(), cache);
  CHECK(r.exit_code == 0);
  CHECK_THAT(row(r.out, "fifo.so"), Contains("refused: a FIFO (named pipe), not a plugin file; never opened"));
  CHECK_THAT(row(r.out, "device.so"), Contains("refused: a symlink to a character device"));
  CHECK_THAT(row(r.out, "loop.so"), Contains("refused: a symlink loop"));
  CHECK_THAT(row(r.out, "dangling.so"), Contains("refused: a dangling symlink to " + dir.file("gone.so")));
  CHECK_THAT(row(r.out, "folder.so"), Contains("refused: a directory, not a plugin file"));
  CHECK_THAT(row(r.out, "good_b.so"), Contains("org.trainkit.test.good_b"));
}

TEST_CASE("plugins: a truncated plugin is refused as truncated") {
  TempDir dir, cache;
  const std::string path = add(dir, "good/good_b.so", "cut.so");
  fs::resize_file(path, fs::file_size(path) / 2);
  const ProcessResult r = plugins(dir.path(), cache);
  CHECK(r.exit_code == 0);
  CHECK_THAT(row(r.out, "cut.so"), Contains("refused: truncated"));
  CHECK_THAT(r.out, !Contains("iostream error"));
}

TEST_CASE("plugins: a plugin folder below a world-writable folder is refused, naming that folder") {
  TempDir dir, cache;
  fs::create_directory(dir.file("sub"));
  fs::permissions(dir.file("sub"), fs::perms(0755), fs::perm_options::replace);
  add(dir, "good/good_b.so", "sub/good_b.so");
  fs::permissions(dir.path(), fs::perms(0777), fs::perm_options::replace);
  const ProcessResult r = plugins(dir.file("sub"), cache);
  CHECK(r.exit_code == 0);
  CHECK_THAT(row(r.out, "good_b.so"), Contains("refused: " + dir.path() + " is writable by anyone and has no sticky bit"));
}

TEST_CASE("plugins: a scan time limit that is not a number of seconds is a usage error") {
  TempDir dir, cache;
  const ProcessResult r = plugins(dir.path(), cache, {{"TRAINKIT_PLUGIN_SCAN_TIMEOUT", "soon"}});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("TRAINKIT_PLUGIN_SCAN_TIMEOUT=soon: expected the seconds one plugin scan may take"));
}

TEST_CASE("validate: a run's plugin folder with a crashing plugin warns about it and goes on") {
  TempDir dir, cache;
  fs::create_directory(dir.file("plugins"));
  fs::permissions(dir.file("plugins"), fs::perms(0700), fs::perm_options::replace);
  add_damaged(dir, "plugins/damaged.so");
  write_file(dir.file("m.toml"),
             small_manifest("1 epoch", "[[extension]]\nuse = \"log_report\"\n", "plugin_dirs = [\"plugins\"]\n"));
  const ProcessResult r = run_trainkit({"validate", dir.file("m.toml")}, {{"XDG_CACHE_HOME", cache.path()}});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("damaged.so refused: " + tk_test::damaged_loader_refusal("the plugin scanner exited with code 127")));
  CHECK_THAT(r.out, Contains("is valid"));
}
