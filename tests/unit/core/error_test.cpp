// runtime/core/error.h: user errors carry their exit code; TK_INTERNAL_ASSERT marks a bug in trainkit and
// leaves the CLI by its own exit path (report_current_exception, which main() ends with).
#include <catch2/catch.hpp>

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/error.h"

using namespace trainkit;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const int kAssertLine = __LINE__ + 2;
int broken_invariant(int n) {
  TK_INTERNAL_ASSERT(n > 0);
  return n;
}

// What main() prints and returns for whatever `body` throws.
template <class Body>
std::pair<int, std::string> exit_of(Body&& body) {
  std::ostringstream err;
  try {
    body();
  } catch (...) {
    int code = report_current_exception(err);
    return {code, err.str()};
  }
  FAIL("nothing was thrown");
  return {};
}

}  // namespace

TEST_CASE("TK_INTERNAL_ASSERT throws InternalError naming the condition, the place and what to do", "[core][error]") {
  CHECK(broken_invariant(1) == 1);
  try {
    broken_invariant(0);
    FAIL("no throw");
  } catch (const InternalError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, StartsWith("internal error: n > 0 at "));
    CHECK_THAT(what, Contains("error_test.cpp:" + std::to_string(kAssertLine) +
                              ": this is a bug in trainkit, please report it"));
    CHECK(e.code() == ExitCode::kInternalError);
  }
}

TEST_CASE("TK_CHECK builds its message only on failure and throws the named error", "[core][error]") {
  int built = 0;
  auto part = [&] {
    ++built;
    return "x";
  };
  TK_CHECK(true, ConfigError, part());
  CHECK(built == 0);
  CHECK_THROWS_AS([&] { TK_CHECK(false, ResumeError, "bad ", part()); }(), ResumeError);
  CHECK(built == 1);
}

TEST_CASE("the CLI's exit path: one line and the exit code of each kind of error", "[core][error]") {
  struct Case {
    const char* name;
    std::function<void()> raise;
    int exit_code;
    std::string line;
  };
  const Case cases[] = {
      {"configuration", [] { throw ConfigError("manifest m.toml: bad"); }, 2, "trainkit: error: manifest m.toml: bad\n"},
      {"resume", [] { throw ResumeError("cannot resume"); }, 3, "trainkit: error: cannot resume\n"},
      {"training", [] { throw TrainingError("diverged"); }, 1, "trainkit: error: diverged\n"},
      {"other std::exception", [] { throw std::runtime_error("disk"); }, 1, "trainkit: error: disk\n"},
      {"internal assert", [] { broken_invariant(-1); }, 70, ""},
      {"unknown type", [] { throw 42; }, 70,
       "trainkit: internal error: an exception of unknown type: this is a bug in trainkit, please report it\n"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto [code, text] = exit_of(c.raise);
      CHECK(code == c.exit_code);
      if (!c.line.empty()) CHECK(text == c.line);
    }
  }
  SECTION("an internal error is one line that says it is a bug") {
    auto [code, text] = exit_of([] { broken_invariant(0); });
    CHECK(code == 70);
    CHECK_THAT(text, StartsWith("trainkit: internal error: n > 0 at ") &&
                         Contains(": this is a bug in trainkit, please report it\n"));
    CHECK(text.find('\n') == text.size() - 1);
  }
}
