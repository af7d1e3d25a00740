#include "cli/args.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"

namespace trainkit::cli {
namespace {

struct CommandSpec {
  std::string name;
  std::string operand;  // "MANIFEST", or "" for none
  std::string summary;
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"run", "MANIFEST", "train, writing logs, snapshots and reports into the output folder"},
      {"validate", "MANIFEST", "check everything, print the plan, train nothing"},
      {"plugins", "", "list plugins, or document one extension class"},
      {"inspect", "FILE", "format, checksum verdict, the weights and the state tree"},
  };
  return table;
}

// Use as the one description of an option: how it is written, which commands take it, what it does and
// where parse_args stores it.
struct OptionSpec {
  std::string name;   // "--set"
  std::string alias;  // "-q", or ""
  std::string value;  // "KEY=VALUE"; "" for a flag
  bool value_optional = false;  // --resume [SNAPSHOT]
  bool repeatable = false;
  std::vector<std::string> commands;
  std::string help;
  void (*store)(Args& args, const std::string& value);
};

const std::vector<OptionSpec>& options() {
  static const std::vector<OptionSpec> table = {
      {"--set", "", "KEY=VALUE", false, true, {"run", "validate"},
       "override a manifest key, e.g. --set trainer.stop=\"3 epoch\"",
       [](Args& a, const std::string& v) { a.sets.push_back(v); }},
      {"--out", "", "DIR", false, false, {"run"}, "the output folder instead of trainer.out",
       [](Args& a, const std::string& v) { a.out = v; }},
      {"--resume", "", "SNAPSHOT", true, false, {"run"},
       "continue from SNAPSHOT (the next word, unless it ends in .toml; or --resume=SNAPSHOT); alone: the newest "
       "valid snapshot the snapshot extension finds (none: start fresh)",
       [](Args& a, const std::string& v) {
         a.resume = true;
         if (!v.empty()) a.resume_path = v;
       }},
      {"--init-from", "", "FILE", false, false, {"run"},
       "start from the model weights of a snapshot or checkpoint (fine-tuning; --set trainer.init_strict=false "
       "loads only what fits)",
       [](Args& a, const std::string& v) { a.init_from = v; }},
      {"--quiet", "-q", "", false, false, {"run"}, "print only warnings and errors",
       [](Args& a, const std::string&) { a.quiet = true; }},
      {"--verbose", "-v", "", false, false, {"run"}, "print debug messages too",
       [](Args& a, const std::string&) { a.verbose = true; }},
      {"--nproc", "", "N", false, false, {"run"},
       "start N ranks of a data-parallel run on this machine (like torchrun --standalone; docs/distributed.md)",
       [](Args& a, const std::string& v) {
         char* end = nullptr;
         long n = std::strtol(v.c_str(), &end, 10);
         TK_CHECK(!v.empty() && *end == '\0' && n >= 1 && n <= 1024, ConfigError, "--nproc ", v,
                  ": expected a number of ranks from 1 to 1024");
         a.nproc = static_cast<int>(n);
       }},
      {"--dir", "", "DIR", false, true, {"plugins"}, "also load the plugins in DIR",
       [](Args& a, const std::string& v) { a.dirs.push_back(v); }},
      {"--describe", "", "NAME", false, false, {"plugins"}, "document the extension class NAME and its options",
       [](Args& a, const std::string& v) { a.describe = v; }},
      {"--json", "", "", false, false, {"inspect"}, "print the report as JSON",
       [](Args& a, const std::string&) { a.json = true; }},
  };
  return table;
}

bool takes(const OptionSpec& option, const std::string& command) {
  return std::find(option.commands.begin(), option.commands.end(), command) != option.commands.end();
}

const OptionSpec* find_option(const std::string& word) {
  for (const OptionSpec& option : options())
    if (word == option.name || (!option.alias.empty() && word == option.alias)) return &option;
  return nullptr;
}

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (const OptionSpec& option : options()) names.push_back(option.name);
  names.insert(names.end(), {"--help", "--version"});
  return names;
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const CommandSpec& command : commands()) names.push_back(command.name);
  return names;
}

bool names_a_manifest(const std::string& word) {
  const std::string suffix = ".toml";
  return word.size() >= suffix.size() && word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string take_value(int argc, char** argv, int& i, const std::string& option) {
  TK_CHECK(i + 1 < argc, ConfigError, option, " needs a value; see trainkit --help");
  return argv[++i];
}

// "--set KEY=VALUE", "--resume [SNAPSHOT]", "-q|--quiet".
std::string written(const OptionSpec& option) {
  const std::string name = option.alias.empty() ? option.name : option.alias + "|" + option.name;
  if (option.value.empty()) return name;
  return name + (option.value_optional ? " [" + option.value + "]" : " " + option.value);
}

// `text` in lines of at most `width` characters, each after the first indented by `indent`.
std::string wrapped(const std::string& text, size_t width, size_t indent) {
  std::istringstream words(text);
  std::string out, line;
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

void check_taken_by(const std::string& command, const std::vector<const OptionSpec*>& given) {
  for (const OptionSpec* option : given) {
    if (takes(*option, command)) continue;
    std::vector<std::string> taken;
    for (const OptionSpec& o : options())
      if (takes(o, command)) taken.push_back(o.name);
    throw ConfigError(str_cat(option->name, " is not an option of `trainkit ", command, "` (",
                              taken.empty() ? "it takes none" : "it takes " + name_list(taken),
                              "); see trainkit --help"));
  }
}

}  // namespace

std::string usage() {
  std::ostringstream out;
  out << "usage:\n";
  for (const CommandSpec& command : commands()) {
    std::string line = "  trainkit " + command.name + (command.operand.empty() ? "" : " " + command.operand);
    for (const OptionSpec& option : options())
      if (takes(option, command.name)) line += " [" + written(option) + "]" + (option.repeatable ? "..." : "");
    out << line << "\n      " << command.summary << "\n";
  }
  out << "  trainkit --version | --help\n\noptions:\n";
  constexpr size_t kColumn = 24;  // where the help text starts
  for (const OptionSpec& option : options())
    out << "  " << std::left << std::setw(kColumn - 2) << written(option) << wrapped(option.help, 76, kColumn) << "\n";
  out << "\n"
         "exit codes: 0 done, 1 training failed, 2 usage/manifest/plugin error (nothing trained),\n"
         "            3 resume refused, 130/143 stopped by SIGINT/SIGTERM\n"
         "environment: TRAINKIT_PLUGIN_PATH=dir1:dir2 adds plugin folders; RANK, WORLD_SIZE, LOCAL_RANK,\n"
         "             MASTER_ADDR, MASTER_PORT (torchrun's) make `run` one rank of a distributed job\n";
  return out.str();
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<const OptionSpec*> given;
  bool help_or_version = false;
  if (argc > 0) a.rank_argv.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const int first = i;  // argv[first..i] is this word and the value it takes
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      a.command = arg == "--version" ? "version" : "help";
      help_or_version = true;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') {
      // "--set=KEY=VALUE" is "--set KEY=VALUE".
      const size_t eq = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string::npos;
      const std::string word = arg.substr(0, eq);
      const OptionSpec* option = find_option(word);
      TK_CHECK(option != nullptr, ConfigError, "unknown option ", word, did_you_mean(word, option_names()),
               "; see trainkit --help");
      TK_CHECK(eq == std::string::npos || !option->value.empty(), ConfigError, option->name,
               " takes no value; see trainkit --help");
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (option->value_optional) {
        // The next word is the value unless it is another option or a manifest (*.toml), so that
        // `run --resume snap m.toml`, `run m.toml --resume snap` and `run --resume m.toml` all mean what they say.
        if (i + 1 < argc && argv[i + 1][0] != '-' && !names_a_manifest(argv[i + 1])) value = argv[++i];
      } else if (!option->value.empty()) {
        value = take_value(argc, argv, i, option->name);
      }
      option->store(a, value);
      given.push_back(option);
      if (option->name != "--nproc") a.rank_argv.insert(a.rank_argv.end(), argv + first, argv + i + 1);
      continue;
    }
    if (a.command.empty()) {
      const std::vector<std::string> names = command_names();
      TK_CHECK(std::find(names.begin(), names.end(), arg) != names.end(), ConfigError, "unknown command \"", arg,
               "\"", did_you_mean(arg, names), "; see trainkit --help");
      a.command = arg;
    } else {
      a.positionals.push_back(arg);
    }
    a.rank_argv.push_back(arg);
  }
  // --help and --version answer whatever else is on the line; with no command main prints the usage.
  if (!help_or_version && !a.command.empty()) check_taken_by(a.command, given);
  return a;
}

}  // namespace trainkit::cli
