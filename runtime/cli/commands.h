// trainkit cli: one function per command; each returns the process exit code.
#pragma once

#include "cli/args.h"

namespace trainkit::cli {

int run_command(const Args& args);
int validate_command(const Args& args);
int plugins_command(const Args& args);
int inspect_command(const Args& args);

}  // namespace trainkit::cli
