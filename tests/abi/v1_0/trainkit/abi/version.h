/* trainkit plugin ABI: version numbers.
 *
 * The major is part of the entry symbol's name (trainkit_plugin_entry_v1), so a host can tell from the
 * symbol table alone which major a plugin was built for. The minor grows when something is appended.
 * A plugin loads iff its major equals the host's and its minor is not newer than the host's. */
#ifndef TRAINKIT_ABI_VERSION_H
#define TRAINKIT_ABI_VERSION_H

#include <stdint.h>

#define TK_ABI_MAJOR 1
#define TK_ABI_MINOR 0

typedef struct tk_abi_version {
  uint32_t major; /* equal to the host's, or the plugin is refused */
  uint32_t minor; /* not newer than the host's, or the plugin is refused */
} tk_abi_version;

#endif
