// The v1.0 layout (layout_v1_0.inc) as the C++17 compiler sees the current headers: a change fails the
// build. tk_abi_layout_entries_cxx() lets abi_test prove this file was compiled and linked.
#include <cstddef>

#include <trainkit/abi.h>

#if !(defined(__x86_64__) && defined(__linux__))
#error "tests/abi/layout_v1_0.inc holds x86_64 Linux values; add the table for this platform"
#endif

#define TK_ABI_SIZE(type, size) static_assert(sizeof(type) == (size), "sizeof(" #type ") differs from ABI 1.0");
#define TK_ABI_OFFSET(type, member, offset) \
  static_assert(offsetof(type, member) == (offset), "offsetof(" #type ", " #member ") differs from ABI 1.0");
#define TK_ABI_CONSTANT(name, value) static_assert((name) == (value), #name " differs from ABI 1.0");
#include "layout_v1_0.inc"
#undef TK_ABI_SIZE
#undef TK_ABI_OFFSET
#undef TK_ABI_CONSTANT

#define TK_ABI_SIZE(type, size) +1
#define TK_ABI_OFFSET(type, member, offset) +1
#define TK_ABI_CONSTANT(name, value) +1
int tk_abi_layout_entries_cxx() {
  return 0
#include "layout_v1_0.inc"
      ;
}
