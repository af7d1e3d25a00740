// The host side of a plugin call: status + error buffer -> exception and back, and the frozen v1.0 sizes.
#include <catch2/catch.hpp>

#include <cstring>
#include <stdexcept>

#include "plugin/call.h"
#include "plugin/entry_checks.h"

namespace trainkit {
namespace {

using Catch::Equals;

std::string thrown_message(tk_status status, const tk_error& err) {
  try {
    throw_unless_ok<TrainingError>(status, err, "extension \"snapshot_1\" (org.trainkit.snapshot) failed in call");
  } catch (const TrainingError& e) {
    CHECK(e.code() == ExitCode::kTrainingFailed);
    return e.what();
  }
  return "(nothing thrown)";
}

TEST_CASE("make_error_buffer gives an empty buffer that declares its size", "[plugin][call]") {
  const tk_error err = make_error_buffer();
  CHECK(err.struct_size == sizeof(tk_error));
  CHECK(err.code == TK_OK);
  CHECK(err.message[0] == '\0');
}

TEST_CASE("throw_unless_ok passes TK_OK only: TK_NOT_FOUND from a call that does not look up is a failure",
          "[plugin][call]") {
  const tk_error err = make_error_buffer();
  CHECK_NOTHROW(throw_unless_ok<TrainingError>(TK_OK, err, "x"));
  CHECK_THROWS_AS(throw_unless_ok<TrainingError>(TK_NOT_FOUND, err, "x"), TrainingError);
  CHECK_THROWS_AS(throw_unless_ok<ConfigError>(TK_ERR_INVALID, err, "x"), ConfigError);
}

TEST_CASE("throw_unless_ok names the instance, the plugin and the call", "[plugin][call]") {
  tk_error err = make_error_buffer();
  std::strcpy(err.message, "disk full");
  CHECK_THAT(thrown_message(TK_ERR_IO, err),
             Equals("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: disk full"));
}

TEST_CASE("throw_unless_ok without a message names the status", "[plugin][call]") {
  CHECK_THAT(thrown_message(TK_ERR_STOP, make_error_buffer()),
             Equals("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: status -5 (TK_ERR_STOP) "
                    "without a message"));
}

TEST_CASE("throw_unless_ok reads at most the buffer when the plugin forgot the NUL", "[plugin][call]") {
  tk_error err = make_error_buffer();
  std::memset(err.message, 'x', sizeof err.message);
  const std::string message = thrown_message(TK_ERR_INTERNAL, err);
  CHECK(message.size() == std::strlen("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: ") +
                              TK_ERROR_MESSAGE_SIZE);
}

TEST_CASE("guarded turns an exception into the status and the plugin's message", "[plugin][call]") {
  tk_error err = make_error_buffer();
  CHECK(guarded(&err, TK_ERR_IO, [] {}) == TK_OK);
  CHECK(guarded(&err, TK_ERR_IO, [] { throw std::runtime_error("disk full"); }) == TK_ERR_IO);
  CHECK(err.code == TK_ERR_IO);
  CHECK_THAT(std::string(err.message), Equals("disk full"));
  CHECK(guarded(&err, TK_ERR_IO, [] { throw 42; }) == TK_ERR_INTERNAL);
  CHECK_THAT(std::string(err.message), Equals("unknown exception"));
}

TEST_CASE("fail_with writes nothing into a buffer too small to be a tk_error", "[plugin][call]") {
  tk_error err = make_error_buffer();
  err.struct_size = 4;
  CHECK(fail_with(&err, TK_ERR_INVALID, "no") == TK_ERR_INVALID);
  CHECK(err.message[0] == '\0');
  CHECK(fail_with(nullptr, TK_ERR_INVALID, "no") == TK_ERR_INVALID);
}

TEST_CASE("the v1.0 sizes stay SDK 1.0's while the structs grow", "[plugin][call]") {
  // x86_64 values of tests/abi/layout_v1_0.inc: the constants must keep them whatever is appended.
  CHECK(kEntrySizeV1_0 == 56);
  CHECK(kDescriptorSizeV1_0 == 56);
  CHECK(kExtensionClassSizeV1_0 == 128);
  CHECK(tk::kOptionDeclSize1_0 == 40);
  CHECK(sizeof(tk_option_decl) > tk::kOptionDeclSize1_0);  // 1.1 appended the choices
}

}  // namespace
}  // namespace trainkit
