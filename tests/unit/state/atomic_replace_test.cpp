// Note [Atomic file replacement] and Note [Folder fsync errors] (runtime/state/atomic_replace.h), checked on
// every writer that follows them: the host's state::replace_file, the streaming ArchiveWriter built on
// state::AtomicReplacement, and the SDK's tk::write_file_atomically.
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <functional>
#include <regex>
#include <string>

#include <trainkit/sdk/atomic_file.hpp>

#include "core/error.h"
#include "process.h"
#include "state/archive.h"
#include "state/atomic_replace.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
using Catch::Matchers::Contains;

namespace {

// The errnos the next fsync calls fail with, on folders and on files; 0 lets the call through.
struct InjectedFsync {
  int folder = 0;
  int file = 0;
};
InjectedFsync g_injected;

// Arms the fsync seam below for one scope.
class FsyncFails {
 public:
  FsyncFails(int on_folders, int on_files) { g_injected = {on_folders, on_files}; }
  ~FsyncFails() { g_injected = {}; }
  FsyncFails(const FsyncFails&) = delete;
  FsyncFails& operator=(const FsyncFails&) = delete;
};

}  // namespace

// The seam: this executable defines fsync, so the linker binds the calls in tk_state and in the SDK's
// inline functions to this one, which fails as armed and otherwise forwards to the C library's.
extern "C" int fsync(int fd) {
  static const auto real = reinterpret_cast<int (*)(int)>(::dlsym(RTLD_NEXT, "fsync"));
  struct stat st {};
  if ((g_injected.folder != 0 || g_injected.file != 0) && ::fstat(fd, &st) == 0) {
    const int error = S_ISDIR(st.st_mode) ? g_injected.folder : g_injected.file;
    if (error != 0) {
      errno = error;
      return -1;
    }
  }
  return real(fd);
}

namespace {

std::string text_of(const std::string& path) {
  std::vector<uint8_t> bytes = read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// One writer under test: replaces `path` by `text`, throwing on failure.
struct Writer {
  const char* name;
  std::function<void(const std::string& path, const std::string& text)> write;
  std::function<std::string(const std::string& path)> read;  // what a successful write left in path
};

std::vector<Writer> every_writer() {
  return {
      {"state::replace_file",
       [](const std::string& path, const std::string& text) { state::replace_file(path, text.data(), text.size()); },
       text_of},
      {"state::ArchiveWriter",
       [](const std::string& path, const std::string& text) {
         state::MemoryTree tree;
         tree.leaves["text"] = text;
         state::write_archive(tree, path);
       },
       [](const std::string& path) { return std::get<std::string>(state::read_archive(path).leaves.at("text")); }},
      {"tk::write_file_atomically", [](const std::string& path, const std::string& text) {
         tk::write_file_atomically(path, text);
       },
       text_of},
  };
}

}  // namespace

TEST_CASE("the temp file is hidden, beside its target, and unique per writer", "[state][atomic_replace]") {
  tk_test::TempDir dir;
  state::ReplaceFailure failure;
  state::AtomicReplacement a, b;
  REQUIRE(a.begin(dir.file("snapshot_iter_5").c_str(), &failure));
  REQUIRE(b.begin(dir.file("snapshot_iter_5").c_str(), &failure));
  const std::regex name(std::regex_replace(dir.path(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                        R"(/\.tmp\.snapshot_iter_5\.)" + std::to_string(::getpid()) + R"(\.[0-9a-f]{16})");
  CHECK(std::regex_match(a.temp_path(), name));
  CHECK(std::regex_match(b.temp_path(), name));
  CHECK(std::string(a.temp_path()) != b.temp_path());
  CHECK(list_dir(dir.path()).size() == 2);
  CHECK(tk_test::file_exists(a.temp_path()));

  REQUIRE(a.commit(&failure));
  b.abort();
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"snapshot_iter_5"});
}

TEST_CASE("replace_file replaces the whole file, mode 0644 less the umask, and leaves no temp file",
          "[state][atomic_replace]") {
  tk_test::TempDir dir;
  const std::string path = dir.file("snapshot");
  state::replace_file(path, "old", 3);
  state::replace_file(path, "new!", 4);
  CHECK(text_of(path) == "new!");
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"snapshot"});
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0644 & ~umask_now));
}

TEST_CASE("the folder fsync errno policy: only EINVAL and ENOTSUP mean unsupported", "[state][atomic_replace]") {
  CHECK(state::folder_sync_unsupported(EINVAL));
  CHECK(state::folder_sync_unsupported(ENOTSUP));
  CHECK(state::folder_sync_unsupported(EOPNOTSUPP));  // the same value on Linux
  for (int error : {0, EIO, ENOSPC, EROFS, EBADF, EDQUOT, EINTR}) {
    INFO(std::strerror(error));
    CHECK_FALSE(state::folder_sync_unsupported(error));
  }
}

TEST_CASE("every writer tolerates a folder fsync that is unsupported and fails on any other error",
          "[state][atomic_replace]") {
  struct Case {
    int error;
    bool tolerated;
  };
  const Case cases[] = {{EINVAL, true}, {ENOTSUP, true}, {EIO, false}, {ENOSPC, false}, {EROFS, false}};
  for (const Writer& writer : every_writer()) {
    for (const Case& c : cases) {
      DYNAMIC_SECTION(writer.name << ", " << std::strerror(c.error)) {
        tk_test::TempDir dir;
        const std::string path = dir.file("target");
        {
          FsyncFails fails(/*on_folders=*/c.error, /*on_files=*/0);
          if (c.tolerated)
            CHECK_NOTHROW(writer.write(path, "new"));
          else
            CHECK_THROWS_WITH(writer.write(path, "new"), Contains(std::strerror(c.error)) && Contains("folder"));
        }
        // Either way the rename happened: the new file is in place and no temp file is left.
        CHECK(writer.read(path) == "new");
        CHECK(list_dir(dir.path()) == std::vector<std::string>{"target"});
      }
    }
  }
}

TEST_CASE("a write that fails before the rename leaves the old file intact and no temp file",
          "[state][atomic_replace]") {
  for (const Writer& writer : every_writer()) {
    DYNAMIC_SECTION(writer.name) {
      tk_test::TempDir dir;
      const std::string path = dir.file("target");
      writer.write(path, "old");
      {
        FsyncFails fails(/*on_folders=*/0, /*on_files=*/EIO);
        CHECK_THROWS_WITH(writer.write(path, "new"), Contains(std::strerror(EIO)));
      }
      CHECK(writer.read(path) == "old");
      CHECK(list_dir(dir.path()) == std::vector<std::string>{"target"});
    }
  }
}

TEST_CASE("replace_file_raw reports the failing step, its errno and path without throwing",
          "[state][atomic_replace]") {
  tk_test::TempDir dir;
  state::ReplaceFailure failure;
  SECTION("no folder: create") {
    CHECK_FALSE(state::replace_file_raw(dir.file("absent/raw").c_str(), "abc", 3, &failure));
    CHECK(std::string(failure.step) == "create");
    CHECK(failure.error == ENOENT);
    CHECK_THAT(std::string(failure.path), Contains("absent/.tmp.raw."));
    CHECK_THAT(state::describe(failure, dir.file("absent/raw")),
               Contains("cannot create '") && Contains("(writing '" + dir.file("absent/raw") + "')"));
  }
  SECTION("a file that fails to sync: fsync, and the temp file is gone") {
    FsyncFails fails(0, EIO);
    CHECK_FALSE(state::replace_file_raw(dir.file("raw").c_str(), "abc", 3, &failure));
    CHECK(std::string(failure.step) == "fsync");
    CHECK(failure.error == EIO);
    CHECK(list_dir(dir.path()).empty());
  }
  SECTION("a target that is a folder: rename, and the temp file is gone") {
    REQUIRE(::mkdir(dir.file("folder").c_str(), 0755) == 0);
    REQUIRE(::mkdir(dir.file("folder/inside").c_str(), 0755) == 0);
    CHECK_FALSE(state::replace_file_raw(dir.file("folder").c_str(), "abc", 3, &failure));
    CHECK(std::string(failure.step) == "rename");
    CHECK(std::string(failure.path) == dir.file("folder"));
    CHECK(list_dir(dir.path()) == std::vector<std::string>{"folder"});
  }
  SECTION("an empty file name: create") {
    CHECK_FALSE(state::replace_file_raw((dir.path() + "/").c_str(), "abc", 3, &failure));
    CHECK(std::string(failure.step) == "create");
    CHECK(failure.error == EISDIR);
  }
}

TEST_CASE("AtomicReplacement refuses a commit without begin and a second begin", "[state][atomic_replace]") {
  tk_test::TempDir dir;
  state::ReplaceFailure failure;
  state::AtomicReplacement file;
  CHECK_FALSE(file.commit(&failure));
  CHECK(failure.error == EBADF);
  REQUIRE(file.begin(dir.file("t").c_str(), &failure));
  CHECK_FALSE(file.begin(dir.file("t").c_str(), &failure));
  CHECK(failure.error == EBUSY);
  REQUIRE(file.commit(&failure));
  CHECK_FALSE(file.commit(&failure));
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"t"});
}

TEST_CASE("a forked child replaces a file with replace_file_raw", "[state][atomic_replace]") {
  tk_test::TempDir dir;
  const std::string path = dir.file("from_child");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    state::ReplaceFailure failure;
    ::_exit(state::replace_file_raw(path.c_str(), "child", 5, &failure) ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(text_of(path) == "child");
}
