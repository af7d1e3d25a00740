/* trainkit plugin ABI: declared options and the read-only view of one manifest [[extension]] table.
 *
 * Each extension class declares its options (name, type, default, doc). The host checks the manifest
 * against them before anything trains, fills in defaults, and hands the plugin a tk_config whose getters
 * therefore only fail for options the class did not declare or that have no default and were not given. */
#ifndef TRAINKIT_ABI_CONFIG_H
#define TRAINKIT_ABI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum tk_option_type {
  TK_OPTION_BOOL = 1,
  TK_OPTION_INT = 2,         /* int64 */
  TK_OPTION_FLOAT = 3,       /* double; a TOML integer is accepted too */
  TK_OPTION_STRING = 4,
  TK_OPTION_STRING_LIST = 5,
  TK_OPTION_FLOAT_LIST = 6,  /* integers accepted too */
  TK_OPTION_INT_LIST = 7,
  TK_OPTION_TRIGGER = 8      /* a trigger spec: a string ("2 epoch") or a table; read back as a string */
} tk_option_type;

#define TK_OPTION_REQUIRED 1u /* the manifest must give it; default_value is then ignored */

typedef struct tk_option_decl {
  uint32_t struct_size;
  const char *name;          /* manifest key, snake_case; static */
  int32_t type;              /* tk_option_type */
  uint32_t flags;            /* TK_OPTION_* bits */
  /* The default as text, or NULL for "no default: the getter answers TK_NOT_FOUND when the manifest does
   * not give it". STRING and TRIGGER defaults are the plain text ("log", "1 epoch"); every other type uses
   * TOML value syntax ("3", "0.5", "true", "[\"main/loss\"]"). Static. */
  const char *default_value;
  const char *doc;           /* one line for `trainkit plugins --describe`; static */
} tk_option_decl;

/* Read-only view of one extension's options. Owned by the host; valid from create until destroy; strings
 * and arrays it returns live as long as the view. [main thread] */
typedef struct tk_config {
  uint32_t struct_size;
  const void *ctx; /* host-private */
  tk_status (*get_bool)(const struct tk_config *c, const char *name, int32_t *out);
  tk_status (*get_i64)(const struct tk_config *c, const char *name, int64_t *out);
  tk_status (*get_f64)(const struct tk_config *c, const char *name, double *out);
  tk_status (*get_str)(const struct tk_config *c, const char *name, const char **out);
  /* Lists: *count is set; element getters read element i < count. */
  tk_status (*get_list_size)(const struct tk_config *c, const char *name, size_t *count);
  tk_status (*get_list_i64)(const struct tk_config *c, const char *name, size_t i, int64_t *out);
  tk_status (*get_list_f64)(const struct tk_config *c, const char *name, size_t i, double *out);
  tk_status (*get_list_str)(const struct tk_config *c, const char *name, size_t i, const char **out);
  const char *instance_name; /* the manifest instance name ("snapshot", "snapshot_1"); valid as the view */
} tk_config;

#endif
