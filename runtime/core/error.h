// trainkit core: the errors the host raises, each carrying the exit code the CLI returns for it.
//
//   TK_CHECK(batch_size > 0, ConfigError, path, ":", line, ": data.batch_size must be > 0");
//   TK_INTERNAL_ASSERT(order_.size() == n);
//
// User errors are built only when the check fails; internal asserts mark bugs, not bad input: they throw
// InternalError, which the CLI reports as a trainkit bug with its own exit code (70).
#pragma once

#include <exception>
#include <iosfwd>
#include <sstream>
#include <stdexcept>
#include <string>

namespace trainkit {

// Exit codes of the CLI (docs/cli.md).
enum class ExitCode : int {
  kOk = 0,
  kTrainingFailed = 1,
  kConfig = 2,          // usage, manifest or plugin configuration error: nothing trained
  kResumeRefused = 3,   // bad or incompatible snapshot
  kInternalError = 70,  // a bug in trainkit (EX_SOFTWARE of sysexits.h), whatever the run was doing
  kInterrupted = 130,   // SIGINT
  kTerminated = 143,    // SIGTERM
};

template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// Use as the base of every error the user can cause; what() is the whole message.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// A manifest, command line or plugin configuration problem: nothing was trained.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(ExitCode::kConfig, message) {}
};

// A snapshot cannot be resumed from.
class ResumeError : public Error {
 public:
  explicit ResumeError(const std::string& message) : Error(ExitCode::kResumeRefused, message) {}
};

// Training started and failed.
class TrainingError : public Error {
 public:
  explicit TrainingError(const std::string& message) : Error(ExitCode::kTrainingFailed, message) {}
};

// What every internal error ends with.
inline constexpr const char* kReportBug = "this is a bug in trainkit, please report it";

// A broken invariant of trainkit's own code (TK_INTERNAL_ASSERT): a bug to report, never bad input. An Error,
// so every path that passes the run's own errors on unchanged (the trainer's error path) keeps it whole.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(ExitCode::kInternalError, message) {}
};

// How every line trainkit writes begins: "trainkit", or "trainkit[2]" on rank 2 of a distributed run (so the
// lines of several ranks sharing a terminal say whose they are). Set once, before any thread starts.
const std::string& program_label();
void set_program_label(const std::string& label);

// The CLI's last word on the exception being handled: writes "trainkit: error: <what>" to `err` and returns
// its exit code; a bug (an InternalError, or an exception that is no std::exception) is written as
// "trainkit: internal error: ..." and exits kInternalError. Call only inside a catch block.
int report_current_exception(std::ostream& err) noexcept;

}  // namespace trainkit

#define TK_CHECK(cond, ErrorType, ...)                                 \
  do {                                                                 \
    if (!(cond)) throw ::trainkit::ErrorType(::trainkit::str_cat(__VA_ARGS__)); \
  } while (0)

// Throws InternalError "internal error: <cond> at <file>:<line>: this is a bug in trainkit, please report it".
#define TK_INTERNAL_ASSERT(cond)                                                                        \
  do {                                                                                                  \
    if (!(cond))                                                                                        \
      throw ::trainkit::InternalError(::trainkit::str_cat("internal error: ", #cond, " at ", __FILE__, ":", \
                                                          __LINE__, ": ", ::trainkit::kReportBug));     \
  } while (0)
