// One fixture per refusal reason: each is loaded from a folder next to good_a.so, refused with exactly
// one reason line, and good_a still loads with its classes.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "plugin/plugin_registry.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

using Catch::Contains;
using Catch::Equals;
using test::TempDir;
using test::TestHost;

struct Outcome {
  std::string dir;     // the folder both files were loaded from
  std::string path;    // the refused file
  std::string reason;
  std::vector<std::string> events;  // what the fixtures told the host
};

// Loads good/good_a.so and the given bad fixture from one folder and checks that only the bad one failed.
Outcome load_next_to_good(const std::string& bad_fixture, const std::string& host_libtorch = "") {
  TempDir dir;
  dir.add("good/good_a.so");
  const std::string bad_path = dir.add(bad_fixture);
  TestHost host;
  Outcome outcome;
  {
    PluginRegistry registry(host.get(), host_libtorch);
    registry.load_dir(dir.path());
    REQUIRE(registry.refused().size() == 1);
    CHECK(registry.refused()[0].path == bad_path);
    REQUIRE(registry.loaded().size() == 1);
    CHECK(registry.loaded()[0].id == "org.trainkit.test.good_a");
    const LoadedPlugin* owner = nullptr;
    CHECK(registry.find_class("fixture_counter", &owner) != nullptr);
    CHECK(owner == &registry.loaded()[0]);
    CHECK(registry.find_class("fixture_echo") != nullptr);
    outcome = Outcome{dir.path(), bad_path, registry.refused()[0].reason, {}};
  }
  outcome.events = host.events();  // after shutdown, so deinit calls are in
  return outcome;
}

TEST_CASE("refused: a file that is not ELF", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/not_elf.so").reason, Equals("not an ELF shared object (no ELF header)"));
}

TEST_CASE("refused: an ELF library without the tkplugin section", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/no_section.so").reason, Equals("not a trainkit plugin (no tkplugin section)"));
}

TEST_CASE("refused: a plugin built for ABI major 2, without running its code", "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/abi_major.so");
  CHECK_THAT(outcome.reason, Equals("built for SDK ABI 2; this trainkit speaks ABI 1"));
  CHECK(outcome.events.empty());  // init never ran
}

TEST_CASE("refused: a plugin built against a newer SDK minor", "[plugin][refusal]") {
  const std::string expected =
      str_cat("built against trainkit SDK ", TK_ABI_MAJOR, ".", TK_ABI_MINOR + 1, ", this trainkit provides SDK ",
              TK_ABI_MAJOR, ".", TK_ABI_MINOR, "; rebuild against SDK <= ", TK_ABI_MAJOR, ".", TK_ABI_MINOR,
              " or upgrade trainkit");
  CHECK_THAT(load_next_to_good("bad/abi_minor.so").reason, Equals(expected));
}

TEST_CASE("refused: a plugin that exports no entry symbol", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/no_entry.so").reason, Equals("no trainkit_plugin_entry_v1 symbol"));
}

TEST_CASE("refused: an entry with a bad magic", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/bad_magic.so").reason,
             Equals("bad entry magic 0xDEADBEEF (expected 0x4C504B54)"));
}

TEST_CASE("refused: an entry smaller than SDK 1.0's", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/small_entry.so").reason, Contains("entry struct_size 8 is smaller than SDK 1.0's"));
}

TEST_CASE("refused: a plugin id that is not reverse-DNS", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/no_dot_id.so").reason,
             Equals("plugin id \"nodots\" is not reverse-DNS (like org.example.nodots)"));
}

TEST_CASE("refused: a second plugin with an id already loaded, naming the first file", "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/twin_id.so");
  CHECK_THAT(outcome.reason,
             Equals("plugin id org.trainkit.test.good_a already loaded from " + outcome.dir + "/good_a.so"));
  CHECK(outcome.events.empty());  // refused before init
}

TEST_CASE("refused: a class name another plugin already provides, and its init is paired with deinit",
          "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/twin_class.so");
  CHECK_THAT(outcome.reason,
             Equals("extension class \"fixture_counter\" is already provided by " + outcome.dir + "/good_a.so"));
  CHECK(outcome.events ==
        std::vector<std::string>{"org.trainkit.test.twin_class init", "org.trainkit.test.twin_class deinit"});
}

TEST_CASE("refused: a class without a call function", "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/null_call.so");
  CHECK_THAT(outcome.reason, Equals("extension class \"fixture_null_call\" has no call function"));
  CHECK(outcome.events.size() == 2);  // init, then deinit
}

TEST_CASE("refused: a plugin built against another LibTorch", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("bad/libtorch.so", "1.13.1").reason,
             Equals("built against LibTorch 0.0.0-fixture, this trainkit uses LibTorch 1.13.1; "
                    "rebuild the plugin against LibTorch 1.13.1"));

  // A host that does not say its LibTorch version does not check.
  TempDir dir;
  dir.add("bad/libtorch.so");
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.refused().empty());
  CHECK(registry.loaded().size() == 1);
}

TEST_CASE("refused: init returns an error, its message is the reason, deinit is not called",
          "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/init_fails.so");
  CHECK_THAT(outcome.reason, Equals("init failed: fixture refuses to start"));
  CHECK(outcome.events == std::vector<std::string>{"org.trainkit.test.init_fails init"});
}

TEST_CASE("refused: dlopen fails on an undefined symbol, and dlerror is quoted", "[plugin][refusal]") {
  const Outcome outcome = load_next_to_good("bad/undefined_symbol.so");
  CHECK_THAT(outcome.reason, Contains("cannot load: "));
  CHECK_THAT(outcome.reason, Contains("undefined symbol: fixture_symbol_nobody_defines"));
  CHECK_THAT(outcome.reason, !Contains("boost::dll"));
}

#ifdef TK_FIXTURE_HAVE_STRIPPED
TEST_CASE("refused: a stripped ABI 2 plugin, told apart by dlsym", "[plugin][refusal]") {
  CHECK_THAT(load_next_to_good("stripped/abi_major.so").reason,
             Equals("built for SDK ABI 2; this trainkit speaks ABI 1"));
}
#endif

TEST_CASE("refused: plugin folders and files that do not exist", "[plugin][refusal]") {
  TempDir dir;
  dir.add("good/good_a.so");
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.file("missing"));
  registry.load_dir(dir.file("good_a.so"));
  registry.load_file(dir.file("gone.so"));
  registry.load_dir("");
  REQUIRE(registry.refused().size() == 4);
  CHECK(registry.refused()[0].path == dir.file("missing"));
  CHECK_THAT(registry.refused()[0].reason, Equals("plugin directory does not exist"));
  CHECK_THAT(registry.refused()[1].reason, Equals("not a directory"));
  CHECK(registry.refused()[2].path == dir.file("gone.so"));
  CHECK_THAT(registry.refused()[2].reason, Equals("cannot resolve path: No such file or directory"));
  CHECK_THAT(registry.refused()[3].reason, Equals("empty plugin directory path"));
  CHECK(registry.loaded().empty());
}

TEST_CASE("every bad fixture in one folder: each refused once, the good ones load", "[plugin][refusal]") {
  namespace fs = std::filesystem;
  TempDir dir;
  size_t bad_count = 0;
  for (const auto& entry : fs::directory_iterator(test::fixture("bad"))) {
    dir.add("bad/" + entry.path().filename().string());
    ++bad_count;
  }
  CHECK(bad_count >= 14);
  dir.add("good/good_a.so");
  dir.add("good/good_b.so");
  TestHost host;
  PluginRegistry registry(host.get(), "1.13.1");
  registry.load_dir(dir.path());
  CHECK(registry.loaded().size() == 2);
  CHECK(registry.refused().size() == bad_count);
  for (const auto& refused : registry.refused()) {
    INFO(refused.path << ": " << refused.reason);
    CHECK_FALSE(refused.reason.empty());
    CHECK(refused.reason.find('\n') == std::string::npos);
  }
}

}  // namespace
}  // namespace trainkit
