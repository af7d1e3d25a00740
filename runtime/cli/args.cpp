#include "cli/args.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/spelling.h"

namespace trainkit::cli {
namespace {

const std::vector<std::string> kCommands = {"run", "validate", "plugins", "inspect"};
const std::vector<std::string> kOptions = {"--set", "--resume", "--out", "--dir", "--describe", "--json",
                                           "--quiet", "--verbose", "--help", "--version", "--init-from"};

std::string take_value(int argc, char** argv, int& i, const std::string& option) {
  TK_CHECK(i + 1 < argc, ConfigError, option, " needs a value; see trainkit --help");
  return argv[++i];
}

}  // namespace

const char* usage() {
  return "usage:\n"
         "  trainkit run MANIFEST [--set KEY=VALUE]... [--out DIR] [--resume [SNAPSHOT]] [--quiet|--verbose]\n"
         "      --resume alone: the newest valid snapshot the snapshot extension finds (none: start fresh)\n"
         "      --init-from FILE: start from the model weights of a snapshot or checkpoint (fine-tuning;\n"
         "        --set trainer.init_strict=false loads only what fits)\n"
         "  trainkit validate MANIFEST [--set KEY=VALUE]...   check everything, print the plan, train nothing\n"
         "  trainkit plugins [--dir DIR]... [--describe NAME]  list plugins, or document one extension class\n"
         "  trainkit inspect SNAPSHOT [--json]                format, checksum verdict and the state tree\n"
         "  trainkit --version | --help\n"
         "\n"
         "exit codes: 0 done, 1 training failed, 2 usage/manifest/plugin error (nothing trained),\n"
         "            3 resume refused, 130/143 stopped by SIGINT/SIGTERM\n"
         "environment: TRAINKIT_PLUGIN_PATH=dir1:dir2 adds plugin folders\n";
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.command = "help";
    } else if (arg == "--version") {
      a.command = "version";
    } else if (arg == "--set") {
      a.sets.push_back(take_value(argc, argv, i, arg));
    } else if (arg.rfind("--set=", 0) == 0) {
      a.sets.push_back(arg.substr(6));
    } else if (arg == "--out") {
      a.out = take_value(argc, argv, i, arg);
    } else if (arg == "--init-from") {
      a.init_from = take_value(argc, argv, i, arg);
    } else if (arg == "--dir") {
      a.dirs.push_back(take_value(argc, argv, i, arg));
    } else if (arg == "--describe") {
      a.describe = take_value(argc, argv, i, arg);
    } else if (arg == "--resume") {
      a.resume = true;
      // The path is optional: take the next word unless it is another option.
      if (i + 1 < argc && argv[i + 1][0] != '-' && !a.positionals.empty()) a.resume_path = argv[++i];
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--quiet" || arg == "-q") {
      a.quiet = true;
    } else if (arg == "--verbose" || arg == "-v") {
      a.verbose = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw ConfigError(str_cat("unknown option ", arg, did_you_mean(arg, kOptions), "; see trainkit --help"));
    } else if (a.command.empty()) {
      TK_CHECK(std::find(kCommands.begin(), kCommands.end(), arg) != kCommands.end(), ConfigError,
               "unknown command \"", arg, "\"", did_you_mean(arg, kCommands), "; see trainkit --help");
      a.command = arg;
    } else {
      a.positionals.push_back(arg);
    }
  }
  return a;
}

}  // namespace trainkit::cli
