// PluginRegistry with good plugins: what it reads from them, and the init/deinit pairing.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/error.h"
#include "plugin/plugin_registry.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

using test::TempDir;
using test::TestHost;

const char* kGoodA = "org.trainkit.test.good_a";
const char* kGoodB = "org.trainkit.test.good_b";

TEST_CASE("good plugins load with their descriptors and classes", "[plugin][registry]") {
  TempDir dir;
  dir.add("good/good_a.so");
  dir.add("good/good_b.so");
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());

  CHECK(registry.refused().empty());
  REQUIRE(registry.loaded().size() == 2);
  const LoadedPlugin& a = registry.loaded()[0];  // by file name
  CHECK(a.path == dir.file("good_a.so"));
  CHECK(a.id == kGoodA);
  CHECK(a.version == "1.2.3");
  CHECK(a.description == "Fixture: two SDK-built classes");
  CHECK(a.abi.major == TK_ABI_MAJOR);
  CHECK(a.abi.minor == TK_ABI_MINOR);
  REQUIRE(a.entry != nullptr);
  CHECK(a.classes.size() == 2);
  CHECK(registry.loaded()[1].id == kGoodB);

  CHECK(registry.class_names() == std::vector<std::string>{"fixture_counter", "fixture_echo", "fixture_probe"});

  const LoadedPlugin* owner = nullptr;
  const tk_extension_class* counter = registry.find_class("fixture_counter", &owner);
  REQUIRE(counter != nullptr);
  REQUIRE(owner == &registry.loaded()[0]);
  CHECK(std::string(counter->default_trigger) == "1 epoch");
  CHECK(counter->default_priority == TK_PRIORITY_EDITOR);
  CHECK(counter->state_version == 2);
  CHECK(counter->oldest_state_version == 1);
  CHECK(counter->visit_state != nullptr);
  REQUIRE(counter->option_count == 2);
  CHECK(std::string(counter->options[0].name) == "step");
  CHECK(counter->options[0].type == TK_OPTION_INT);
  CHECK(std::string(counter->options[0].default_value) == "1");

  const tk_extension_class* echo = registry.find_class("fixture_echo");
  REQUIRE(echo != nullptr);
  REQUIRE(echo->option_count == 2);
  CHECK((echo->options[1].flags & TK_OPTION_REQUIRED) != 0);
  CHECK(echo->visit_state == nullptr);  // stateless

  const tk_extension_class* probe = registry.find_class("fixture_probe", &owner);
  REQUIRE(probe != nullptr);
  CHECK(owner->id == kGoodB);

  CHECK(registry.find_class("no_such_class", &owner) == nullptr);
  CHECK(owner == nullptr);
}

TEST_CASE("init is called once per plugin and shutdown calls deinit once", "[plugin][registry]") {
  TempDir dir;
  dir.add("good/good_b.so");
  TestHost host;
  {
    PluginRegistry registry(host.get());
    registry.load_dir(dir.path());
    REQUIRE(registry.loaded().size() == 1);
    CHECK(host.count(kGoodB, "init") == 1);
    CHECK(host.count(kGoodB, "deinit") == 0);

    // The same folder again, and the file by name: already tried, so no second init and no refusal.
    registry.load_dir(dir.path());
    registry.load_file(dir.file("good_b.so"));
    CHECK(registry.loaded().size() == 1);
    CHECK(registry.refused().empty());
    CHECK(host.count(kGoodB, "init") == 1);

    registry.shutdown();
    CHECK(host.count(kGoodB, "deinit") == 1);
    registry.shutdown();  // idempotent
    CHECK_THROWS_AS(registry.load_dir(dir.path()), trainkit::InternalError);
  }
  CHECK(host.count(kGoodB, "deinit") == 1);  // the destructor does not deinit twice
}

TEST_CASE("the destructor calls deinit when shutdown was not called", "[plugin][registry]") {
  TempDir dir;
  dir.add("good/good_b.so");
  TestHost host;
  {
    PluginRegistry registry(host.get());
    registry.load_dir(dir.path());
    REQUIRE(registry.loaded().size() == 1);
  }
  CHECK(host.events() == std::vector<std::string>{std::string(kGoodB) + " init", std::string(kGoodB) + " deinit"});
}

TEST_CASE("load_dir takes *.so regular files by name and skips everything else", "[plugin][registry]") {
  namespace fs = std::filesystem;
  TempDir dir;
  // Named so that the C plugin sorts first, the opposite of the fixtures' own names.
  dir.add("good/good_b.so", "a.so");
  dir.add("good/good_a.so", "b.so");
  dir.add("bad/not_elf.so", "readme.txt");
  dir.add("bad/not_elf.so", "c.so.1");
  fs::create_directory(dir.file("d.so"));
  fs::permissions(dir.file("d.so"), fs::perms(0755), fs::perm_options::replace);
  // A symlink next to its target is the same file: loaded once, not refused as a duplicate id.
  fs::create_symlink(dir.file("a.so"), dir.file("e.so"));

  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.refused().empty());
  REQUIRE(registry.loaded().size() == 2);
  CHECK(registry.loaded()[0].id == kGoodB);
  CHECK(registry.loaded()[1].id == kGoodA);
  CHECK(host.count(kGoodB, "init") == 1);
}

TEST_CASE("a symlinked plugin loads through its link", "[plugin][registry]") {
  namespace fs = std::filesystem;
  TempDir store, dir;
  store.add("good/good_a.so");
  fs::create_symlink(store.file("good_a.so"), dir.file("linked.so"));
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.refused().empty());
  REQUIRE(registry.loaded().size() == 1);
  CHECK(registry.loaded()[0].path == dir.file("linked.so"));
}

TEST_CASE("an empty folder loads nothing", "[plugin][registry]") {
  TempDir dir;
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.loaded().empty());
  CHECK(registry.refused().empty());
  CHECK(registry.class_names().empty());
}

#ifdef TK_FIXTURE_HAVE_STRIPPED
TEST_CASE("a stripped plugin loads: only the section marks it, dlsym finds the entry", "[plugin][registry]") {
  TempDir dir;
  dir.add("stripped/good_a.so");
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.refused().empty());
  REQUIRE(registry.loaded().size() == 1);
  CHECK(registry.find_class("fixture_echo") != nullptr);
}
#endif

}  // namespace
}  // namespace trainkit
