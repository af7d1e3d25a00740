// trainkit core: the errors the host raises, each carrying the exit code the CLI returns for it.
//
//   TK_CHECK(batch_size > 0, ConfigError, path, ":", line, ": data.batch_size must be > 0");
//   TK_INTERNAL_ASSERT(order_.size() == n);
//
// User errors are built only when the check fails; internal asserts mark bugs, not bad input.
#pragma once

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

}  // namespace trainkit

#define TK_CHECK(cond, ErrorType, ...)                                 \
  do {                                                                 \
    if (!(cond)) throw ::trainkit::ErrorType(::trainkit::str_cat(__VA_ARGS__)); \
  } while (0)

#define TK_INTERNAL_ASSERT(cond)                                                                    \
  do {                                                                                              \
    if (!(cond))                                                                                    \
      throw std::logic_error(::trainkit::str_cat("internal error: ", #cond, " at ", __FILE__, ":", __LINE__)); \
  } while (0)
