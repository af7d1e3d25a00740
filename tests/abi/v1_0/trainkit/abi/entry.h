/* trainkit plugin ABI: the one exported symbol of every plugin.
 *
 * A plugin exports exactly `trainkit_plugin_entry_v1` (the ABI major is in the name) and carries a
 * section named "tkplugin", so the host can refuse a file from its symbol table and section list alone,
 * before any plugin code runs. The entry and everything it points to are static and live until exit. */
#ifndef TRAINKIT_ABI_ENTRY_H
#define TRAINKIT_ABI_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "extension.h"
#include "host.h"
#include "version.h"

#define TK_ENTRY_MAGIC 0x4C504B54u /* "TKPL" read as little-endian bytes */
#define TK_ENTRY_SYMBOL_NAME "trainkit_plugin_entry_v1"
#define TK_PLUGIN_SECTION_NAME "tkplugin"

typedef struct tk_plugin_descriptor {
  uint32_t struct_size;
  const char *id;          /* mandatory, reverse-DNS, unique: "org.trainkit.log_report" */
  const char *version;     /* mandatory, the plugin's own semver: "1.0.0" */
  const char *vendor;      /* may be NULL */
  const char *url;         /* may be NULL */
  const char *description; /* may be NULL */
  /* NULL unless the plugin links LibTorch itself; then the TORCH_VERSION it was built with, and the host
   * refuses a plugin built against another LibTorch. */
  const char *libtorch_version;
} tk_plugin_descriptor;

typedef struct tk_plugin_entry {
  uint32_t struct_size;
  uint32_t magic;        /* TK_ENTRY_MAGIC */
  tk_abi_version abi;    /* the SDK the plugin was compiled against */
  const tk_plugin_descriptor *descriptor;
  /* [main thread] Once, after the checks, before anything else. host lives until deinit. */
  tk_status (*init)(const tk_host *host, tk_error *err);
  /* [main thread] Once, after every instance was destroyed. The library itself is never unloaded. */
  void (*deinit)(void);
  size_t (*class_count)(void);                           /* [main thread] after init */
  const tk_extension_class *(*get_class)(size_t index);  /* static, valid until exit */
} tk_plugin_entry;

#endif
