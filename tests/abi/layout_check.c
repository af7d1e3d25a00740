/* The ABI layout tables as the C11 compiler sees the current headers: a change fails the build.
 * layout_v1_3.inc holds exactly (the current minor); layout_v1_0.inc to layout_v1_2.inc keep every offset
 * and constant of theirs, and their sizes as lower bounds (a struct only grows at its end).
 * tk_abi_layout_entries_c() lets abi_test prove this file was compiled and linked. */
#include <stddef.h>

#include <trainkit/abi.h>

#if !(defined(__x86_64__) && defined(__linux__))
#error "tests/abi/layout_v1_*.inc hold x86_64 Linux values; add the tables for this platform"
#endif

#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) >= (size), "sizeof(" #type ") shrank below ABI 1.0");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "offsetof(" #type ", " #member ") differs from ABI 1.0");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), #name " differs from ABI 1.0");
#include "layout_v1_0.inc"
#undef TK_ABI_SIZE
#undef TK_ABI_OFFSET
#undef TK_ABI_CONSTANT

#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) >= (size), "sizeof(" #type ") shrank below ABI 1.1");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "offsetof(" #type ", " #member ") differs from ABI 1.1");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), #name " differs from ABI 1.1");
#include "layout_v1_1.inc"
#undef TK_ABI_SIZE
#undef TK_ABI_OFFSET
#undef TK_ABI_CONSTANT

#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) >= (size), "sizeof(" #type ") shrank below ABI 1.2");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "offsetof(" #type ", " #member ") differs from ABI 1.2");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), #name " differs from ABI 1.2");
#include "layout_v1_2.inc"
#undef TK_ABI_SIZE
#undef TK_ABI_OFFSET
#undef TK_ABI_CONSTANT

#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof(" #type ") differs from ABI 1.3");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "offsetof(" #type ", " #member ") differs from ABI 1.3");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), #name " differs from ABI 1.3");
#include "layout_v1_3.inc"
#undef TK_ABI_SIZE
#undef TK_ABI_OFFSET
#undef TK_ABI_CONSTANT

#define TK_ABI_SIZE(type, size) +1
#define TK_ABI_OFFSET(type, member, offset) +1
#define TK_ABI_CONSTANT(name, value) +1
int tk_abi_layout_entries_c(void);
int tk_abi_layout_entries_c(void) {
  return 0
#include "layout_v1_0.inc"
#include "layout_v1_1.inc"
#include "layout_v1_2.inc"
#include "layout_v1_3.inc"
      ;
}
