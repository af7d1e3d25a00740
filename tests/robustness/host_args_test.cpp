// Issue 11, the host: `trainkit run --resume SNAP m.toml` read SNAP as the manifest. The word after --resume
// is its SNAPSHOT unless it is an option or a manifest (*.toml), wherever --resume stands.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/args.h"
#include "state/atomic_replace.h"

namespace trainkit {
namespace {

cli::Args parse(std::vector<std::string> words) {
  words.insert(words.begin(), "trainkit");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return cli::parse_args(static_cast<int>(argv.size()), argv.data());
}

TEST_CASE("run: --resume takes the next word as SNAPSHOT before or after the manifest", "[cli]") {
  for (const auto& words : std::vector<std::vector<std::string>>{{"run", "--resume", "snap", "m.toml"},
                                                                 {"run", "m.toml", "--resume", "snap"},
                                                                 {"run", "--resume=snap", "m.toml"}}) {
    const cli::Args a = parse(words);
    CHECK(a.positionals == std::vector<std::string>{"m.toml"});
    CHECK(a.resume);
    CHECK(a.resume_path == "snap");
  }
}

TEST_CASE("run: --resume alone before a manifest, an option or nothing", "[cli]") {
  for (const auto& words : std::vector<std::vector<std::string>>{{"run", "--resume", "m.toml"},
                                                                 {"run", "m.toml", "--resume"},
                                                                 {"run", "m.toml", "--resume", "-q"}}) {
    const cli::Args a = parse(words);
    CHECK(a.positionals == std::vector<std::string>{"m.toml"});
    CHECK(a.resume);
    CHECK_FALSE(a.resume_path);
  }
}

TEST_CASE("only the names an interrupted atomic write makes count as temp files", "[out_dir]") {
  for (const char* name : {".tmp.snapshot_iter_50.4242.0123456789abcdef", ".tmp.log.AbC123", ".tmp.a.1.ffffffffffffffff"})
    CHECK(state::is_temp_file_name(name));
  for (const char* name : {"snapshot_iter_50", ".tmp.", ".tmp..AbC123", ".tmp.log", ".tmp.log.AbC12",
                           ".tmp.log.AbC12_", ".tmp.x.12a.0123456789abcdef", ".tmp.x.0123456789ABCDEF",
                           "x.tmp.log.AbC123", ".tmp.x..0123456789abcdef", "tmp.log.AbC123"}) {
    INFO(name);
    CHECK_FALSE(state::is_temp_file_name(name));
  }
}

}  // namespace
}  // namespace trainkit
