// Test support: run a real process, capture its output and exit code; make temporary folders.
//
//   auto r = run_process({TK_TRAINKIT_BIN, "validate", path});
//   REQUIRE(r.exit_code == 0);  CHECK_THAT(r.err, Catch::Contains("unknown key"));
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tk_test {

struct ProcessResult {
  int exit_code = -1;   // the exit status, or 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with argv, extra environment variables set, stdin closed; waits for it.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& cwd = "");

// Starts a process without waiting; stdout/stderr go to the given files.
int start_process(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file,
                  const std::map<std::string, std::string>& env = {}, const std::string& cwd = "");
// Waits for a started process; returns its exit code (128 + signal when killed).
int wait_process(int pid);

// A fresh folder under $TMPDIR removed (recursively) on destruction. The only tk_test::TempDir: the plugin
// test host (support/plugin_host) uses this one rather than defining a second class of the same name.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> list() const;            // every file name, hidden ones too, sorted
  std::string read(const std::string& name) const;  // throws when the file cannot be opened

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);

}  // namespace tk_test
