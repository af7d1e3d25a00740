// Where plugins come from: manifest dirs, TRAINKIT_PLUGIN_PATH, the installed folder; once each.
#include <catch2/catch.hpp>

#include <filesystem>

#include "plugin/search_dirs.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;
using test::ScopedEnv;
using test::TempDir;

using Dirs = std::vector<std::string>;

TEST_CASE("search dirs: manifest, then TRAINKIT_PLUGIN_PATH, then installed", "[plugin][search]") {
  TempDir manifest, env_a, env_b, installed;
  ScopedEnv env(kPluginPathEnv, env_a.path() + ":" + env_b.path());
  CHECK(plugin_search_dirs({manifest.path()}, installed.path()) ==
        Dirs{manifest.path(), env_a.path(), env_b.path(), installed.path()});
}

TEST_CASE("search dirs: a folder reached twice is kept at its first position", "[plugin][search]") {
  TempDir root;
  fs::create_directory(root.file("plugins"));
  fs::create_directory_symlink(root.file("plugins"), root.file("alias"));
  const std::string real = root.file("plugins");
  ScopedEnv env(kPluginPathEnv, root.file("alias") + ":" + real + "/");
  CHECK(plugin_search_dirs({root.file("alias"), real}, real) == Dirs{real});
}

TEST_CASE("search dirs: missing, empty and relative TRAINKIT_PLUGIN_PATH entries are skipped",
          "[plugin][search]") {
  TempDir env_dir;
  ScopedEnv env(kPluginPathEnv, "::relative/plugins:" + env_dir.file("missing") + ":" + env_dir.path() + ":");
  CHECK(plugin_search_dirs({}, "") == Dirs{env_dir.path()});
}

TEST_CASE("search dirs: a missing installed folder is skipped", "[plugin][search]") {
  TempDir dir;
  ScopedEnv env(kPluginPathEnv, "");
  CHECK(plugin_search_dirs({}, dir.file("not-installed")).empty());
  CHECK(plugin_search_dirs({}, dir.path()) == Dirs{dir.path()});
}

TEST_CASE("search dirs: a missing manifest folder is kept so loading reports it", "[plugin][search]") {
  TempDir dir;
  ::unsetenv(kPluginPathEnv);
  CHECK(plugin_search_dirs({dir.file("typo/"), dir.file("typo"), dir.path()}, "") ==
        Dirs{dir.file("typo"), dir.path()});
}

}  // namespace
}  // namespace trainkit
