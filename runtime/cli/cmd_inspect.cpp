#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <trainkit/sdk/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/regular_file.h"
#include "state/describe.h"
#include "trainer/snapshot_io.h"

namespace trainkit::cli {
namespace {

std::string json_string(const std::string& s) { return tk::json::dump(tk::json::Value(s)); }

}  // namespace

// Exit 0 for a valid snapshot, 3 for a corrupt or foreign one (the code a refused resume gets).
int inspect_command(const Args& args) {
  TK_CHECK(args.positionals.size() == 1, ConfigError, "inspect needs exactly one SNAPSHOT; see trainkit --help");
  const std::string& path = args.positionals[0];
  const std::string why = not_a_regular_file(path);  // a FIFO would block the read forever
  TK_CHECK(why.empty(), ConfigError, "cannot inspect ", path, ": ", why);
  struct stat st {};
  TK_CHECK(::stat(path.c_str(), &st) == 0, ConfigError, "cannot inspect ", path, ": ", std::strerror(errno));
  std::string format, problem;
  state::MemoryTree tree;
  try {
    tree = read_snapshot_file(path, &format);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  const bool ok = problem.empty();
  if (args.json) {
    std::string header = "\"file\": " + json_string(path) + ", \"bytes\": " + std::to_string(st.st_size) +
                         ", \"format\": " + json_string(format) + ", \"checksum\": " +
                         json_string(ok ? "ok" : "bad") + ", \"problem\": " + (ok ? "null" : json_string(problem));
    std::cout << state::describe_tree_json(tree, header) << "\n";
  } else {
    std::cout << "file      " << path << " (" << st.st_size << " bytes)\n"
              << "format    " << (format.empty() ? "unknown" : format) << "\n"
              << "checksum  " << (ok ? (format == "torch" ? "ok (zip CRC-32 per entry)" : "ok (xxh3 per entry and whole file)") : "BAD: " + problem)
              << "\n";
    if (ok) std::cout << "\n" << state::describe_tree_text(tree);
  }
  return ok ? 0 : static_cast<int>(ExitCode::kResumeRefused);
}

}  // namespace trainkit::cli
