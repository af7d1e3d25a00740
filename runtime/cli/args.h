// trainkit cli: the command line, split into a command, positionals and options, each option checked
// against the commands that take it. One table (args.cpp) lists the commands and options; parse_args
// and usage() both read it.
//
//   Args a = parse_args(argc, argv);   // ConfigError (exit 2) on an unknown option or one the command does not take
//   a.command == "run"; a.positionals[0] == "manifest.toml"; a.sets == {"trainer.stop=3 epoch"}
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trainkit::cli {

struct Args {
  std::string command;                 // run | validate | plugins | inspect | help | version
  std::vector<std::string> positionals;
  std::vector<std::string> sets;       // --set KEY=VALUE, in order
  std::vector<std::string> dirs;       // plugins --dir DIR
  std::optional<std::string> describe; // plugins --describe NAME
  std::optional<std::string> out;      // run --out DIR
  std::optional<std::string> init_from;  // run --init-from CHECKPOINT
  bool resume = false;                 // run --resume [PATH]
  std::optional<std::string> resume_path;
  bool json = false;                   // inspect --json
  bool quiet = false;                  // run
  bool verbose = false;                // run
  int nproc = 0;                       // run --nproc N: start N local ranks (0: not given)
  // argv without --nproc and its value: the command line each rank of `run --nproc N` runs.
  std::vector<std::string> rank_argv;
};

Args parse_args(int argc, char** argv);

// The --help text: every command with the options it takes, then what each option does.
std::string usage();

}  // namespace trainkit::cli
