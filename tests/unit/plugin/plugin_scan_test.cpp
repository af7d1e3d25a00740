// The out-of-process scan with the real scanner executable: crashes, hangs and exits while loading become
// refusals with their reason, verdicts are cached by file stamp, and a second start starts no scanner.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "damaged_plugin.h"
#include "plugin/plugin_registry.h"
#include "plugin/plugin_scan.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::Equals;
using Catch::StartsWith;
using test::TempDir;
using test::TestHost;

ScanSettings settings(const TempDir& cache, double timeout = 30) {
  return ScanSettings{TK_SCANNER_BIN, cache.file("cache/plugin-scan.json"), timeout};
}

// good_b.so, damaged so that the system loader asserts (damaged_plugin.h).
std::string add_damaged_good_b(TempDir& dir) {
  const std::string path = dir.add("good/good_b.so", "damaged.so");
  tk_test::damage_first_program_header(path);
  return path;
}

TEST_CASE("scan: a good plugin passes, and the next start takes its verdict from the cache", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string plugin = dir.add("good/good_a.so");
  {
    PluginScan scan(settings(cache));
    CHECK_FALSE(scan.refusal(plugin));
    CHECK(scan.scans_started() == 1);
    scan.save_cache();
  }
  REQUIRE(fs::exists(cache.file("cache/plugin-scan.json")));
  CHECK((fs::status(cache.file("cache")).permissions() & fs::perms::all) == fs::perms::owner_all);
  PluginScan again(settings(cache));
  CHECK_FALSE(again.refusal(plugin));
  CHECK(again.scans_started() == 0);
}

TEST_CASE("scan: a changed file is scanned again", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string plugin = dir.add("good/good_b.so", "x.so");
  {
    PluginScan scan(settings(cache));
    CHECK_FALSE(scan.refusal(plugin));
    scan.save_cache();
  }
  dir.add("good/good_a.so", "x.so");  // replaced in place: another size and mtime
  PluginScan again(settings(cache));
  CHECK_FALSE(again.refusal(plugin));
  CHECK(again.scans_started() == 1);
}

TEST_CASE("scan: a file that crashes the system loader is refused with ld.so's words", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string damaged = add_damaged_good_b(dir);
  PluginScan scan(settings(cache));
  const std::string reason = scan.refusal(damaged).value();
  CHECK_THAT(reason, StartsWith(tk_test::damaged_loader_refusal("the plugin scanner exited with code 127 while loading it; "
                                                                  "it printed: Inconsistency detected by ld.so")));
}

TEST_CASE("scan: a constructor that crashes, a constructor that exits, an init that crashes", "[plugin][scan]") {
  TempDir dir, cache;
  PluginScan scan(settings(cache));
  CHECK_THAT(scan.refusal(dir.add("hostile/crash_constructor.so")).value(),
             Equals("crashed the plugin scanner (SIGSEGV: Segmentation fault)"));
  CHECK_THAT(scan.refusal(dir.add("hostile/exit_constructor.so")).value(),
             StartsWith("the plugin scanner ended without a verdict"));
  CHECK_THAT(scan.refusal(dir.add("hostile/init_crash.so")).value(),
             Equals("crashed the plugin scanner (SIGSEGV: Segmentation fault)"));
  scan.save_cache();
  PluginScan again(settings(cache));  // crashes are the file's own: cached like any verdict
  CHECK(again.refusal(dir.file("crash_constructor.so")));
  CHECK(again.scans_started() == 0);
}

TEST_CASE("scan: a constructor that hangs is stopped at the time limit, and that is not cached", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string plugin = dir.add("hostile/hang_constructor.so");
  const auto start = std::chrono::steady_clock::now();
  {
    PluginScan scan(settings(cache, 0.5));
    CHECK_THAT(scan.refusal(plugin).value(), StartsWith("did not finish loading within 0.5 s in the plugin scanner"));
    scan.save_cache();
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  PluginScan again(settings(cache, 0.5));
  CHECK(again.refusal(plugin));
  CHECK(again.scans_started() == 1);  // a busy machine may be why: try again next time
}

TEST_CASE("scan: refusals the probe finds start no scanner", "[plugin][scan]") {
  TempDir dir, cache;
  PluginScan scan(settings(cache));
  CHECK_THAT(scan.refusal(dir.add("bad/not_elf.so")).value(), Equals("not an ELF shared object (no ELF header)"));
  CHECK_THAT(scan.refusal(dir.add("bad/abi_major.so")).value(), Equals("built for SDK ABI 2; this trainkit speaks ABI 1"));
  CHECK(scan.scans_started() == 0);
}

TEST_CASE("scan: an init that fails under the scan host passes; the real host judges it", "[plugin][scan]") {
  TempDir dir, cache;
  PluginScan scan(settings(cache));
  CHECK_FALSE(scan.refusal(dir.add("bad/init_fails.so")));
  CHECK_THAT(scan.refusal(dir.add("bad/null_call.so")).value(), Equals("extension class \"fixture_null_call\" has no call function"));
}

TEST_CASE("scan: a cache that cannot be written or read is no error", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string plugin = dir.add("good/good_b.so");
  std::ofstream(cache.file("cache")) << "a file where the cache folder would be";
  {
    PluginScan scan(settings(cache));
    CHECK_FALSE(scan.refusal(plugin));
    scan.save_cache();
  }
  fs::remove(cache.file("cache"));
  fs::create_directory(cache.file("cache"));
  std::ofstream(cache.file("cache/plugin-scan.json")) << "{\"identity\": [1, 2";
  PluginScan damaged(settings(cache));
  CHECK_FALSE(damaged.refusal(plugin));
  CHECK(damaged.scans_started() == 1);
}

TEST_CASE("scan: a missing scanner refuses every file and says where it looked", "[plugin][scan]") {
  TempDir dir, cache;
  PluginScan scan(ScanSettings{cache.file("no-scanner"), "", 30});
  CHECK_THAT(scan.refusal(dir.add("good/good_b.so")).value(),
             Equals("cannot start the plugin scanner " + cache.file("no-scanner") + ": No such file or directory"));
}

TEST_CASE("scan: the registry loads the good plugins of a folder next to crashing, hanging and damaged ones",
          "[plugin][scan]") {
  TempDir dir, cache;
  dir.add("good/good_a.so");
  dir.add("good/good_b.so");
  add_damaged_good_b(dir);
  dir.add("hostile/crash_constructor.so");
  dir.add("hostile/hang_constructor.so");
  TestHost host;
  PluginRegistry registry(host.get());
  registry.enable_scan(settings(cache, 0.5));
  registry.load_dir(dir.path());
  REQUIRE(registry.loaded().size() == 2);
  CHECK(registry.find_class("fixture_counter") != nullptr);
  CHECK(registry.find_class("fixture_probe") != nullptr);
  REQUIRE(registry.refused().size() == 3);
  CHECK(registry.refused()[0].path == dir.file("crash_constructor.so"));
  CHECK(registry.refused()[1].path == dir.file("damaged.so"));
  CHECK(registry.refused()[2].path == dir.file("hang_constructor.so"));
  CHECK(fs::exists(cache.file("cache/plugin-scan.json")));  // load_dir saved the verdicts
}

TEST_CASE("scan: scan_ahead judges files several at a time; refusal then answers from it", "[plugin][scan]") {
  TempDir dir, cache;
  const std::vector<std::string> files = {dir.add("good/good_a.so"), dir.add("good/good_b.so"),
                                          dir.add("hostile/crash_constructor.so"), dir.add("bad/not_elf.so")};
  PluginScan scan(settings(cache));
  scan.scan_ahead(files);
  CHECK(scan.scans_started() == 3);  // the probe refuses not_elf.so without a scanner
  CHECK_FALSE(scan.refusal(files[0]));
  CHECK_FALSE(scan.refusal(files[1]));
  CHECK_THAT(scan.refusal(files[2]).value(), StartsWith("crashed the plugin scanner"));
  CHECK(scan.refusal(files[3]));
  CHECK(scan.scans_started() == 3);
}

TEST_CASE("scan: a file the owner/mode policy refuses is never opened, not even in the scanner", "[plugin][scan]") {
  TempDir dir, cache;
  const std::string hostile = dir.add("hostile/crash_constructor.so");
  fs::permissions(hostile, fs::perms::others_write, fs::perm_options::add);
  TestHost host;
  PluginRegistry registry(host.get());
  registry.enable_scan(settings(cache));
  registry.load_dir(dir.path());
  REQUIRE(registry.refused().size() == 1);
  CHECK_THAT(registry.refused()[0].reason, Equals(hostile + " is writable by group or others (chmod go-w)"));
  CHECK_FALSE(fs::exists(cache.file("cache/plugin-scan.json")));  // no verdict was made
}

}  // namespace
}  // namespace trainkit
