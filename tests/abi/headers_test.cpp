// The compile checks of tests/abi/CMakeLists.txt were built and linked into this test: each generated
// one-header translation unit (C11 and C++17, -pedantic -Werror) and both layout files define a function
// called here, so a build that skipped any of them cannot link, and one that broke them did not build.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

extern "C" {
#define TK_ABI_HEADER_CHECK(id, header) int tk_abi_header_check_c_##id(void);
#include "header_checks.inc"
#undef TK_ABI_HEADER_CHECK
int tk_abi_layout_entries_c(void);
}
#define TK_ABI_HEADER_CHECK(id, header) int tk_abi_header_check_cpp_##id();
#include "header_checks.inc"
#undef TK_ABI_HEADER_CHECK
int tk_abi_layout_entries_cxx();

namespace {

std::vector<std::string> checked_headers() {
  std::vector<std::string> checked;
#define TK_ABI_HEADER_CHECK(id, header)                                      \
  if (tk_abi_header_check_c_##id() == 1 && tk_abi_header_check_cpp_##id() == 1) \
    checked.push_back(header);
#include "header_checks.inc"
#undef TK_ABI_HEADER_CHECK
  return checked;
}

}  // namespace

TEST_CASE("every ABI header compiles alone as C11 and as C++17 with -Wall -Wextra -pedantic -Werror") {
  namespace fs = std::filesystem;
  const std::vector<std::string> checked = checked_headers();
  std::vector<std::string> expected = {"trainkit/abi.h"};
  for (const auto& entry : fs::directory_iterator(std::string(TK_SOURCE_DIR) + "/sdk/include/trainkit/abi"))
    if (entry.path().extension() == ".h") expected.push_back("trainkit/abi/" + entry.path().filename().string());
  REQUIRE(expected.size() >= 8);
  for (const auto& header : expected) {
    INFO(header << " has no compile check: reconfigure (the header list is globbed at configure time)");
    CHECK(std::find(checked.begin(), checked.end(), header) != checked.end());
  }
}

TEST_CASE("the v1.0 to v1.3 layout tables were static-asserted by the C11 and the C++17 compiler") {
  // Each entry is one _Static_assert / static_assert; equal counts mean both files saw the whole tables.
  CHECK(tk_abi_layout_entries_c() == tk_abi_layout_entries_cxx());
  CHECK(tk_abi_layout_entries_c() == 180 + 184 + 35 + 5);  // the v1.0 table: 180 entries; v1.1: 184; v1.2: 35; v1.3: 5
}
