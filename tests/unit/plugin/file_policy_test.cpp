// The owner/mode policy: a plugin file or its folder writable by group or others is refused.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "plugin/file_policy.h"
#include "plugin/plugin_registry.h"
#include "plugin_test_support.h"
#include "requirements.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;
using Catch::Equals;
using test::TempDir;
using test::TestHost;

TEST_CASE("policy: a file writable by others is refused, the good one next to it loads", "[plugin][policy]") {
  TempDir dir;
  dir.add("good/good_a.so");
  const std::string bad = dir.add("good/good_b.so");
  fs::permissions(bad, fs::perms::others_write, fs::perm_options::add);
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  REQUIRE(registry.refused().size() == 1);
  CHECK(registry.refused()[0].path == bad);
  CHECK_THAT(registry.refused()[0].reason, Equals(bad + " is writable by group or others (chmod go-w)"));
  REQUIRE(registry.loaded().size() == 1);
  CHECK(registry.find_class("fixture_counter") != nullptr);
  CHECK(host.events().empty());  // good_b's init never ran
}

TEST_CASE("policy: a file writable by group is refused", "[plugin][policy]") {
  TempDir dir;
  const std::string bad = dir.add("good/good_b.so");
  fs::permissions(bad, fs::perms::group_write, fs::perm_options::add);
  CHECK(check_file_policy(bad) == bad + " is writable by group or others (chmod go-w)");
}

TEST_CASE("policy: every file in a folder writable by others is refused naming the folder", "[plugin][policy]") {
  TempDir dir;
  dir.add("good/good_a.so");
  dir.add("good/good_b.so");
  fs::permissions(dir.path(), fs::perms::others_write | fs::perms::others_exec | fs::perms::others_read,
                  fs::perm_options::add);
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(dir.path());
  CHECK(registry.loaded().empty());
  REQUIRE(registry.refused().size() == 2);
  for (const auto& refused : registry.refused()) {
    CHECK_THAT(refused.reason, Equals(dir.path() + " is writable by group or others (chmod go-w)"));
  }
}

TEST_CASE("policy: a symlink is judged by the file it names", "[plugin][policy]") {
  TempDir store, dir;
  const std::string target = store.add("good/good_a.so");
  fs::permissions(target, fs::perms::others_write, fs::perm_options::add);
  fs::create_symlink(target, dir.file("link.so"));
  CHECK(check_file_policy(dir.file("link.so")) == target + " is writable by group or others (chmod go-w)");
}

TEST_CASE("policy: a private file in a private folder passes", "[plugin][policy]") {
  TempDir dir;
  CHECK_FALSE(check_file_policy(dir.add("good/good_a.so")).has_value());
}

TEST_CASE("policy: a file owned by another user is refused", "[plugin][policy]") {
  if (::geteuid() != 0) TK_SKIP("not root: cannot chown a file to another user");
  TempDir dir;
  const std::string file = dir.add("good/good_a.so");
  REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
  CHECK(check_file_policy(file) == file + " is owned by uid 65534, not by you (uid 0) or root");
}

}  // namespace
}  // namespace trainkit
