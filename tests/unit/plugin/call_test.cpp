// The host side of a plugin call: status + error buffer -> exception, and the frozen v1.0 sizes.
#include <catch2/catch.hpp>

#include <cstring>

#include "plugin/call.h"
#include "plugin/entry_checks.h"

namespace trainkit {
namespace {

using Catch::Equals;

std::string thrown_message(tk_status status, const tk_error& err) {
  try {
    check_call(status, err, "org.trainkit.snapshot", "snapshot_1", "call");
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

TEST_CASE("check_call passes TK_OK and TK_NOT_FOUND", "[plugin][call]") {
  const tk_error err = make_error_buffer();
  CHECK_NOTHROW(check_call(TK_OK, err, "org.x.y", "y", "call"));
  CHECK_NOTHROW(check_call(TK_NOT_FOUND, err, "org.x.y", "y", "call"));
}

TEST_CASE("check_call names the instance, the plugin and the call", "[plugin][call]") {
  tk_error err = make_error_buffer();
  std::strcpy(err.message, "disk full");
  CHECK_THAT(thrown_message(TK_ERR_IO, err),
             Equals("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: disk full"));
}

TEST_CASE("check_call without a message names the status", "[plugin][call]") {
  CHECK_THAT(thrown_message(TK_ERR_STOP, make_error_buffer()),
             Equals("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: status -5 (TK_ERR_STOP) "
                    "without a message"));
}

TEST_CASE("check_call reads at most the buffer when the plugin forgot the NUL", "[plugin][call]") {
  tk_error err = make_error_buffer();
  std::memset(err.message, 'x', sizeof err.message);
  const std::string message = thrown_message(TK_ERR_INTERNAL, err);
  CHECK(message.size() == std::strlen("extension \"snapshot_1\" (org.trainkit.snapshot) failed in call: ") +
                              TK_ERROR_MESSAGE_SIZE);
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
