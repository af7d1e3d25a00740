// Test support: a plugin file that takes down the system loader, and what the plugin scanner says of it.
//
//   copy good_b.so to dir/damaged.so, then damage_first_program_header(dir + "/damaged.so");
//   CHECK_THAT(reason, Contains(damaged_loader_refusal("the plugin scanner exited with code 127")));
#pragma once

#include <string>

namespace tk_test {

// Inverts byte 0x60 of an ELF file (in good_b.so, its first program header): the system loader's own
// assertion then ends whatever process opens it with "Inconsistency detected by ld.so" and exit code 127.
void damage_first_program_header(const std::string& path);

// `words` of the scanner's refusal of such a file, as this build will see them. A scanner built with ASan
// (scripts/sanitize.sh builds the tests and the scanner alike) dies of SIGSEGV on the file before ld.so prints
// anything: then the refusal names the crash instead. The file is refused either way.
std::string damaged_loader_refusal(const std::string& words);

}  // namespace tk_test
