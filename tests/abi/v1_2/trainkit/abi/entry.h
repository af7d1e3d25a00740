/* trainkit plugin ABI: the one exported symbol of every plugin.
 *
 * A plugin exports exactly `trainkit_plugin_entry_v1` (the ABI major is in the name) and carries a
 * section named "tkplugin", so the host can refuse a file from its symbol table and section list alone,
 * before any plugin code runs. The entry and everything it points to are static and live until exit. */
#ifndef TRAINKIT_ABI_ENTRY_H
#define TRAINKIT_ABI_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "extension.h"
#include "host.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_ENTRY_MAGIC 0x4C504B54u /* "TKPL" read as little-endian bytes */
#define TK_ENTRY_SYMBOL_NAME "trainkit_plugin_entry_v1"
#define TK_PLUGIN_SECTION_NAME "tkplugin"

/* Who the plugin is. Owned by the plugin and static, as are its strings; read on the main thread. */
typedef struct tk_plugin_descriptor {
  uint32_t struct_size;    /* sizeof(tk_plugin_descriptor) as the plugin was built. [main thread] */
  const char *id;          /* mandatory, reverse-DNS, unique: "org.trainkit.log_report". [main thread] */
  const char *version;     /* mandatory, the plugin's own semver: "1.0.0". [main thread] */
  const char *vendor;      /* may be NULL. [main thread] */
  const char *url;         /* may be NULL. [main thread] */
  const char *description; /* may be NULL. [main thread] */
  /* NULL unless the plugin links LibTorch itself; then the TORCH_VERSION it was built with, and the host
   * refuses a plugin built against another LibTorch. [main thread] */
  const char *libtorch_version;
} tk_plugin_descriptor;

/* The exported entry. Owned by the plugin and static; read and called on the main thread. */
typedef struct tk_plugin_entry {
  uint32_t struct_size;  /* sizeof(tk_plugin_entry) as the plugin was built. [main thread] */
  uint32_t magic;        /* TK_ENTRY_MAGIC. [main thread] */
  tk_abi_version abi;    /* the SDK the plugin was compiled against. [main thread] */
  const tk_plugin_descriptor *descriptor; /* static. [main thread] */
  /* Once, after the checks, before anything else. host is borrowed until deinit. [main thread] */
  tk_status (*init)(const tk_host *host, tk_error *err);
  /* Once, after every instance was destroyed; may be NULL. The library itself is never unloaded.
   * [main thread] */
  void (*deinit)(void);
  size_t (*class_count)(void); /* after init. [main thread] */
  /* After init; the class is static, valid until exit. [main thread] */
  const tk_extension_class *(*get_class)(size_t index);
  /* ---- ABI 1.2: read only when TK_HAS_MEMBER(tk_plugin_entry, entry, get_dataset_class) ---- */
  /* The plugin's dataset classes (abi/dataset.h), like class_count/get_class; both NULL, or a count of 0,
   * for a plugin without any. A plugin may offer dataset classes only (class_count answering 0). */
  size_t (*dataset_class_count)(void); /* after init. [main thread] */
  const tk_dataset_class *(*get_dataset_class)(size_t index); /* static, valid until exit. [main thread] */
} tk_plugin_entry;

#ifdef __cplusplus
}
#endif

#endif
