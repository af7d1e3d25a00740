// `cmake --install` makes trainkit a product: the binary, the standard plugins, the SDK headers, the CMake
// package (find_package(TrainkitSDK) + trainkit_add_plugin) and trainkit-sdk.pc, under any prefix. These
// tests install this build into a fresh temp prefix and use nothing else: samples/third_party_plugin is
// configured and built out of tree against the prefix alone, and trained with the installed trainkit.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e_support.h"

using namespace tk_test;
using Catch::Contains;

namespace {

namespace fs = std::filesystem;

const std::string kSample = std::string(TK_SOURCE_DIR) + "/samples/third_party_plugin";
const std::string kDatasetSample = std::string(TK_SOURCE_DIR) + "/samples/dataset_plugin";

// A fresh prefix with this build installed into it.
struct Installed {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  std::string trainkit = prefix + "/" TK_INSTALL_BINDIR "/trainkit";
  std::string plugin_dir = prefix + "/" TK_PLUGIN_INSTALL_DIR;

  Installed() {
    auto r = run_process({TK_CMAKE_COMMAND, "--install", TK_BINARY_DIR, "--prefix", prefix});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
};

ProcessResult shell(const std::string& command, const std::map<std::string, std::string>& env = {}) {
  return run_process({"/bin/sh", "-c", command}, env);
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Configures and builds a CMake project out of tree, finding packages under prefix only.
ProcessResult build_project(const std::string& source, const std::string& build, const std::string& prefix) {
  auto configure = run_process({TK_CMAKE_COMMAND, "-S", source, "-B", build, "-G", "Ninja",
                                "-DCMAKE_MAKE_PROGRAM=" TK_MAKE_PROGRAM, "-DCMAKE_CXX_COMPILER=" TK_CXX_COMPILER,
                                "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
                                "-DCMAKE_BUILD_TYPE=Release"});
  if (configure.exit_code != 0) return configure;
  return run_process({TK_CMAKE_COMMAND, "--build", build});
}

}  // namespace

TEST_CASE("install puts the binary, the standard plugins and the SDK under the prefix") {
  // A umask of 002 would leave the plugin folder group-writable, which the loader refuses; the install
  // rules must correct that, so install with it.
  const mode_t old_umask = ::umask(002);
  Installed installed;
  ::umask(old_umask);
  const std::string& p = installed.prefix;

  CHECK(file_exists(installed.trainkit));
  for (const char* header : {"trainkit/abi.h", "trainkit/abi/entry.h", "trainkit/abi/extension.h", "trainkit/sdk.hpp",
                             "trainkit/sdk/plugin.hpp", "trainkit/sdk/state.hpp"})
    CHECK(file_exists(p + "/" TK_INSTALL_INCLUDEDIR "/" + header));
  const std::string cmake_dir = p + "/" TK_INSTALL_LIBDIR "/cmake/TrainkitSDK";
  for (const char* file : {"TrainkitSDKConfig.cmake", "TrainkitSDKConfigVersion.cmake", "TrainkitSDKTargets.cmake",
                           "TrainkitPlugin.cmake", "trainkit_plugin.version"})
    CHECK(file_exists(cmake_dir + "/" + file));
  CHECK_THAT(read_file(cmake_dir + "/TrainkitSDKConfigVersion.cmake"), Contains("\"" TK_SDK_VERSION "\""));
  CHECK(file_exists(p + "/" TK_INSTALL_LIBDIR "/pkgconfig/trainkit-sdk.pc"));
  CHECK(file_exists(p + "/" TK_INSTALL_DOCDIR "/writing-extensions.md"));

  // The installed binary finds the installed plugins (<bindir>/../<libdir>/trainkit/plugins), not the
  // build tree's.
  auto version = run_process({installed.trainkit, "--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Contains("plugin ABI " TK_SDK_VERSION));
  auto list = run_process({installed.trainkit, "plugins"});
  INFO(list.out << list.err);
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("plugin folders: " + fs::canonical(installed.plugin_dir).string()));
  CHECK_THAT(list.out, !Contains(TK_BINARY_DIR));
  for (const char* plugin : {"log_report.so", "print_report.so", "evaluator.so", "observe_lr.so", "progress_bar.so"}) {
    CHECK(file_exists(installed.plugin_dir + "/" + plugin));
    CHECK_THAT(list.out, Contains(plugin));
  }
  CHECK_THAT(list.out, !Contains("refused"));
}

TEST_CASE("a third-party plugin builds out of tree against the installed SDK alone and trains") {
  TK_REQUIRE_DATA();
  Installed installed;
  const std::string build = installed.dir.file("sample-build");
  auto built = build_project(kSample, build, installed.prefix);
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);
  // Found in the fresh prefix, not anywhere else on the machine.
  const std::string cache = read_file(build + "/CMakeCache.txt");
  const size_t found = cache.find("TrainkitSDK_DIR:PATH=");
  REQUIRE(found != std::string::npos);
  CHECK(cache.substr(found, cache.find('\n', found) - found) ==
        "TrainkitSDK_DIR:PATH=" + installed.prefix + "/" TK_INSTALL_LIBDIR "/cmake/TrainkitSDK");
  REQUIRE(file_exists(build + "/loss_ema.so"));
  ::chmod(build.c_str(), 0755);  // the loader refuses a group-writable plugin folder, whatever the umask was

  auto describe = run_process({installed.trainkit, "plugins", "--dir", build, "--describe", "loss_ema"});
  INFO(describe.out << describe.err);
  CHECK(describe.exit_code == 0);
  CHECK_THAT(describe.out, Contains("org.example.loss_ema") && Contains("decay") && Contains("0.9"));

  const std::string out = installed.dir.file("result");
  auto run = run_process({installed.trainkit, "run", kSample + "/manifest.toml", "--out", out,
                          "--set", "trainer.plugin_dirs=[\"" + build + "\"]",
                          "--set", "trainer.stop=1 epoch",
                          "--set", "data.train_limit=512",
                          "--set", "data.validation_limit=256"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  auto log = read_json(out + "/log");
  REQUIRE(log.size() == 1);
  REQUIRE(log[0].contains("main/loss_ema"));
  const double ema = log[0]["main/loss_ema"].get<double>(), loss = log[0]["main/loss"].get<double>();
  CHECK(std::isfinite(ema));
  CHECK(ema > 0.0);
  CHECK(ema < 2 * loss + 1.0);  // an average of losses of the same run: the same order of magnitude
  CHECK_THAT(run.out, Contains("main/loss_ema"));  // print_report's column
}

TEST_CASE("a dataset plugin builds out of tree against the installed SDK alone, without LibTorch, and trains") {
  Installed installed;
  const std::string build = installed.dir.file("dataset-build");
  auto built = build_project(kDatasetSample, build, installed.prefix);
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);
  REQUIRE(file_exists(build + "/bars.so"));
  CHECK(read_file(build + "/CMakeCache.txt").find("Torch_DIR:PATH=/") == std::string::npos);
  ::chmod(build.c_str(), 0755);  // the loader refuses a group-writable plugin folder, whatever the umask was

  auto describe = run_process({installed.trainkit, "plugins", "--dir", build, "--describe", "bars"});
  INFO(describe.out << describe.err);
  CHECK(describe.exit_code == 0);
  CHECK_THAT(describe.out, Contains("org.example.bars") && Contains("examples") && Contains("[data.options]"));

  const std::string out = installed.dir.file("result");
  auto run = run_process({installed.trainkit, "run", kDatasetSample + "/manifest.toml", "--out", out,
                          "--set", "trainer.plugin_dirs=[\"" + build + "\"]", "--set", "trainer.stop=1 epoch"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  auto log = read_json(out + "/log");
  REQUIRE(log.size() == 1);
  CHECK(log[0]["iteration"] == 38);  // 1200 examples / batch 32
  CHECK(log[0].contains("validation/main/accuracy"));
}

TEST_CASE("find_package(TrainkitSDK) takes any 1.x request and refuses another major") {
  Installed installed;
  auto project = [&](const std::string& name, const std::string& request) {
    const std::string source = installed.dir.file(name);
    fs::create_directory(source);
    write_file(source + "/CMakeLists.txt",
               "cmake_minimum_required(VERSION 3.18)\nproject(" + name + " LANGUAGES NONE)\n"
               "find_package(TrainkitSDK " + request + " REQUIRED)\n"
               "message(STATUS \"found TrainkitSDK ${TrainkitSDK_VERSION} plugins in ${TrainkitSDK_PLUGIN_DIR}\")\n"
               "if(NOT TARGET TrainkitSDK::sdk OR NOT COMMAND trainkit_add_plugin)\n"
               "  message(FATAL_ERROR \"incomplete package\")\nendif()\n");
    return run_process({TK_CMAKE_COMMAND, "-S", source, "-B", source + "/build", "-G", "Ninja",
                        "-DCMAKE_MAKE_PROGRAM=" TK_MAKE_PROGRAM, "-DCMAKE_PREFIX_PATH=" + installed.prefix});
  };
  auto same = project("same_major", "1.0");
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Contains("found TrainkitSDK " TK_SDK_VERSION " plugins in " + installed.plugin_dir));
  auto other = project("other_major", "2.0");
  CHECK(other.exit_code != 0);
  CHECK_THAT(other.err, Contains("TrainkitSDK") && Contains("2.0"));
}

TEST_CASE("pkg-config trainkit-sdk gives what a plugin built without CMake needs") {
  Installed installed;
  const std::map<std::string, std::string> env = {
      {"PKG_CONFIG_PATH", installed.prefix + "/" TK_INSTALL_LIBDIR "/pkgconfig"}};
  auto cflags = run_process({TK_PKG_CONFIG, "--cflags", "trainkit-sdk"}, env);
  CHECK(cflags.exit_code == 0);
  CHECK_THAT(cflags.out, Contains("-I"));
  auto version = run_process({TK_PKG_CONFIG, "--modversion", "trainkit-sdk"}, env);
  CHECK_THAT(version.out, Contains(TK_SDK_VERSION));

  // The command line the .pc file's comment shows, on the sample's source.
  const std::string plugins = installed.dir.file("pc-plugins");
  fs::create_directory(plugins);
  ::chmod(plugins.c_str(), 0755);
  auto built = shell(std::string(TK_CXX_COMPILER) + " -std=c++17 -fPIC -fvisibility=hidden -fvisibility-inlines-hidden"
                     " $(" TK_PKG_CONFIG " --cflags trainkit-sdk) -shared -o " + quoted(plugins + "/loss_ema.so") + " " +
                     quoted(kSample + "/loss_ema.cpp") + " -Wl,--no-undefined"
                     " -Wl,--version-script=$(" TK_PKG_CONFIG " --variable=versionscript trainkit-sdk)",
                     env);
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);
  auto list = run_process({installed.trainkit, "plugins", "--dir", plugins});
  INFO(list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("org.example.loss_ema") && !Contains("refused"));
}
