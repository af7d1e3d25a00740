// trainkit fuzz targets: the entry points libFuzzer drives (fuzz/CMakeLists.txt builds one fuzzer per
// target with clang) and the regression suite replays with the normal compiler
// (tests/robustness/fuzz_regressions/).
//
//   trainkit::fuzz::archive_reader(data, size);   // returns for any input the reader handles as it must
//
// A target returns normally when the code under test did what it promises for these bytes (read them, or
// refused them with its documented error). Anything else is a finding: a crash or sanitizer report, a hang,
// a huge allocation, or a FuzzFinding thrown here for a broken promise (another exception type escaping,
// two readers disagreeing). libFuzzer reports an escaping exception as a crash and keeps the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace trainkit::fuzz {

// A broken promise that is not a crash: the message says which.
class FuzzFinding : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// runtime/state: read_archive and verify_archive agree on the file, and refuse only with ResumeError.
void archive_reader(const uint8_t* data, size_t size);
// runtime/torchfile: a torch file's bytes decode to a state tree or a ResumeError.
void torch_file(const uint8_t* data, size_t size);
// runtime/manifest: a manifest text and `--set` lines (manifest_target.cpp) load or raise ConfigError, and
// the triggers of a loaded manifest answer within bounded time.
void manifest(const uint8_t* data, size_t size);
// runtime/plugin: the static probe refuses or accepts any bytes, the same from memory and from a file.
void plugin_probe(const uint8_t* data, size_t size);

}  // namespace trainkit::fuzz
