// trainkit: the command-line entry point. Every error ends here with one line and its exit code.
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/error.h"
#include <trainkit/abi.h>

#define TK_STR2(x) #x
#define TK_STR(x) TK_STR2(x)
#define TK_ABI_MAJOR_TEXT TK_STR(TK_ABI_MAJOR) "." TK_STR(TK_ABI_MINOR)

int main(int argc, char** argv) {
  using namespace trainkit;
  try {
    cli::Args args = cli::parse_args(argc, argv);
    if (args.command == "help" || args.command.empty()) {
      std::cout << cli::usage();
      return args.command.empty() ? static_cast<int>(ExitCode::kConfig) : 0;
    }
    if (args.command == "version") {
      std::cout << "trainkit " << TRAINKIT_VERSION << " (plugin ABI " << TK_ABI_MAJOR_TEXT << ")\n";
      return 0;
    }
    if (args.command == "run") return cli::run_command(args);
    if (args.command == "validate") return cli::validate_command(args);
    if (args.command == "plugins") return cli::plugins_command(args);
    if (args.command == "inspect") return cli::inspect_command(args);
    throw ConfigError("command \"" + args.command + "\" is not available in this build yet");
  } catch (...) {
    return report_current_exception(std::cerr);  // exit 70 for a bug in trainkit
  }
}
