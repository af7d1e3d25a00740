// A plugin folder entry by entry: every *.so that is not a plugin file is listed with what it is, and
// nothing is opened on the way (a FIFO would block).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>

#include "plugin/plugin_folder.h"
#include "plugin/plugin_registry.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;
using Catch::Equals;
using test::TempDir;
using test::TestHost;

// Binds a Unix socket at path (and closes it: the socket file stays).
void make_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::strcpy(address.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::close(fd);
}

struct Folder {
  TempDir dir;
  Folder() {
    dir.add("good/good_b.so", "a_good.so");
    fs::create_symlink(dir.file("a_good.so"), dir.file("b_link.so"));
    fs::create_symlink(dir.file("c_loop.so"), dir.file("c_loop.so"));
    fs::create_symlink(dir.file("missing.so"), dir.file("d_dangling.so"));
    REQUIRE(::mkfifo(dir.file("e_fifo.so").c_str(), 0600) == 0);
    fs::create_directory(dir.file("f_dir.so"));
    fs::create_symlink("/dev/null", dir.file("g_device.so"));
    make_socket(dir.file("h_socket.so"));
    dir.add("bad/not_elf.so", "i_not_a_plugin.txt");
  }
};

TEST_CASE("folder: each *.so entry is judged by what it is, sorted by name", "[plugin][folder]") {
  Folder f;
  std::string problem;
  const std::vector<FolderEntry> entries = list_plugin_folder(f.dir.path(), &problem);
  CHECK(problem.empty());
  REQUIRE(entries.size() == 8);  // not the .txt
  CHECK(entries[0].path == f.dir.file("a_good.so"));
  CHECK_FALSE(entries[0].refusal);
  CHECK_FALSE(entries[1].refusal);  // a symlink to a regular file
  CHECK_THAT(*entries[2].refusal, Equals("a symlink loop (too many levels of symbolic links)"));
  CHECK_THAT(*entries[3].refusal, Equals("a dangling symlink to " + f.dir.file("missing.so") + " (no such file)"));
  CHECK_THAT(*entries[4].refusal, Equals("a FIFO (named pipe), not a plugin file; never opened"));
  CHECK_THAT(*entries[5].refusal, Equals("a directory, not a plugin file"));
  CHECK_THAT(*entries[6].refusal, Equals("a symlink to a character device, not a plugin file; never opened"));
  CHECK_THAT(*entries[7].refusal, Equals("a socket, not a plugin file"));
}

TEST_CASE("folder: the registry lists every entry it did not load, and loads the plugin once", "[plugin][folder]") {
  Folder f;
  TestHost host;
  PluginRegistry registry(host.get());
  registry.load_dir(f.dir.path());
  REQUIRE(registry.loaded().size() == 1);
  CHECK(registry.loaded()[0].path == f.dir.file("a_good.so"));
  std::vector<std::string> refused;
  for (const RefusedPlugin& r : registry.refused()) refused.push_back(fs::path(r.path).filename().string());
  CHECK(refused == std::vector<std::string>{"c_loop.so", "d_dangling.so", "e_fifo.so", "f_dir.so", "g_device.so",
                                            "h_socket.so"});
}

}  // namespace
}  // namespace trainkit
