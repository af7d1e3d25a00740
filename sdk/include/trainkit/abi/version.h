/* trainkit plugin ABI: version numbers, and the one rule for reading a struct that may have grown.
 *
 * The major is part of the entry symbol's name (trainkit_plugin_entry_v1), so a host can tell from the
 * symbol table alone which major a plugin was built for. The minor grows when something is appended.
 * A plugin loads iff its major equals the host's and its minor is not newer than the host's.
 *
 *   if (TK_HAS_MEMBER(tk_config, config, out_dir)) use(config->out_dir);   // appended in 1.1
 *
 * Rationale: every struct starts with struct_size (the writer's sizeof) and only grows at its end, so a
 * member exists iff struct_size reaches past it. A reader never touches a member TK_HAS_MEMBER denies. */
#ifndef TRAINKIT_ABI_VERSION_H
#define TRAINKIT_ABI_VERSION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TK_ABI_MAJOR 1
#define TK_ABI_MINOR 3

/* Whether *ptr, a `type` written by the other side, holds `member`. */
#define TK_HAS_MEMBER(type, ptr, member) \
  ((size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof(((const type *)0)->member))

/* Embedded by value in tk_host and tk_plugin_entry: it lives and is read as they are. It never grows (it
 * has no struct_size of its own). */
typedef struct tk_abi_version {
  uint32_t major; /* equal to the host's, or the plugin is refused. [as the struct holding it] */
  uint32_t minor; /* not newer than the host's, or the plugin is refused. [as the struct holding it] */
} tk_abi_version;

#ifdef __cplusplus
}
#endif

#endif
