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

// D/sub/x.so found through the search folder D (D/x.so -> sub/x.so), or with D/sub itself searched.
struct Nested {
  TempDir d;
  std::string sub, plugin;
  Nested() : sub(d.file("sub")), plugin(d.file("sub/x.so")) {
    fs::create_directory(sub);
    fs::permissions(sub, fs::perms(0755), fs::perm_options::replace);
    fs::copy_file(test::fixture("good/good_b.so"), plugin);
    fs::permissions(plugin, fs::perms(0755), fs::perm_options::replace);
  }
};

TEST_CASE("policy: every folder from the plugin up to the search folder is checked", "[plugin][policy]") {
  Nested n;
  CHECK_FALSE(check_file_policy(n.plugin, n.d.path()).has_value());
  fs::permissions(n.sub, fs::perms::group_write, fs::perm_options::add);
  CHECK(check_file_policy(n.plugin, n.d.path()) == n.sub + " is writable by group or others (chmod go-w)");
  fs::permissions(n.sub, fs::perms::group_write, fs::perm_options::remove);
  fs::permissions(n.d.path(), fs::perms::group_write, fs::perm_options::add);
  CHECK(check_file_policy(n.plugin, n.d.path()) == n.d.path() + " is writable by group or others (chmod go-w)");
}

TEST_CASE("policy: a folder above the search folder writable by anyone refuses, one with the sticky bit does not",
          "[plugin][policy]") {
  Nested n;
  fs::permissions(n.d.path(), fs::perms(0777), fs::perm_options::replace);
  CHECK(check_file_policy(n.plugin, n.sub) ==
        n.d.path() + " is writable by anyone and has no sticky bit, so anyone could replace the folders below it (chmod o-w)");
  fs::permissions(n.d.path(), fs::perms(01777), fs::perm_options::replace);  // like /tmp
  CHECK_FALSE(check_file_policy(n.plugin, n.sub).has_value());
  fs::permissions(n.d.path(), fs::perms(0775), fs::perm_options::replace);  // group write above the search folder
  CHECK_FALSE(check_file_policy(n.plugin, n.sub).has_value());
}

TEST_CASE("policy: the registry refuses a plugin in D/sub when D is world-writable, however it is reached",
          "[plugin][policy]") {
  Nested n;
  fs::create_symlink("sub/x.so", n.d.file("x.so"));
  fs::permissions(n.d.path(), fs::perms(0757), fs::perm_options::replace);
  for (const std::string& search : {n.sub, n.d.path()}) {
    TestHost host;
    PluginRegistry registry(host.get());
    registry.load_dir(search);
    CHECK(registry.loaded().empty());
    REQUIRE(registry.refused().size() == 1);
    CHECK_THAT(registry.refused()[0].reason,
               Catch::StartsWith(n.d.path() + (search == n.sub ? " is writable by anyone" : " is writable by group or others")));
  }
}

TEST_CASE("policy: a symlink leading out of the search folder: its target's folder and the search folder",
          "[plugin][policy]") {
  TempDir store, dir;
  const std::string target = store.add("good/good_a.so");
  fs::create_symlink(target, dir.file("link.so"));
  CHECK_FALSE(check_file_policy(dir.file("link.so"), dir.path()).has_value());
  fs::permissions(store.path(), fs::perms::group_write, fs::perm_options::add);
  CHECK(check_file_policy(dir.file("link.so"), dir.path()) == store.path() + " is writable by group or others (chmod go-w)");
  fs::permissions(store.path(), fs::perms::group_write, fs::perm_options::remove);
  fs::permissions(dir.path(), fs::perms::others_write, fs::perm_options::add);
  CHECK(check_file_policy(dir.file("link.so"), dir.path()) == dir.path() + " is writable by group or others (chmod go-w)");
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
