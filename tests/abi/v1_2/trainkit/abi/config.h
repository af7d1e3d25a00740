/* trainkit plugin ABI: declared options and the read-only view of one manifest [[extension]] table.
 *
 * Each extension class declares its options (name, type, default, doc). The host checks the manifest
 * against them before anything trains, fills in defaults, and hands the plugin a tk_config whose getters
 * therefore only fail for options the class did not declare or that have no default and were not given.
 *
 *   static const char *const formats[] = {"json", "jsonl"};
 *   static const tk_option_decl options[] = {
 *       {sizeof(tk_option_decl), "keys", TK_OPTION_STRING_LIST, 0, "[]", "observation keys to log", NULL, 0},
 *       {sizeof(tk_option_decl), "format", TK_OPTION_CHOICE, 0, "json", "file format", formats, 2},
 *   };
 *
 * Rationale: the options array is plugin-owned and the host walks it with a stride of its first
 * element's struct_size, never with its own sizeof(tk_option_decl). So a member appended here in a later
 * minor leaves an older plugin's array readable: each element is as long as the plugin built it. */
#ifndef TRAINKIT_ABI_CONFIG_H
#define TRAINKIT_ABI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tk_option_type {
  TK_OPTION_BOOL = 1,
  TK_OPTION_INT = 2,         /* int64 */
  TK_OPTION_FLOAT = 3,       /* double; a TOML integer is accepted too */
  TK_OPTION_STRING = 4,
  TK_OPTION_STRING_LIST = 5,
  TK_OPTION_FLOAT_LIST = 6,  /* integers accepted too */
  TK_OPTION_INT_LIST = 7,
  TK_OPTION_TRIGGER = 8,     /* a trigger spec: a string ("2 epoch") or a table; read back as a string */
  /* ABI 1.1: one string out of the declaration's choices, read back with get_str. The host refuses any
   * other value before anything trains, listing the choices with a did-you-mean. */
  TK_OPTION_CHOICE = 9,
  /* ABI 1.2: the name of a file the plugin writes inside the run's output folder, relative to it; read
   * back with get_str, joined to tk_context.out_dir by the plugin. "" means "no file". Before anything
   * trains the host refuses a name that is absolute, has an empty, "." or ".." component, a NUL, a
   * placeholder in a folder part, or a last component starting with ".tmp." (the temporary files of
   * atomic writes); ".lock" (the folder's lock) too. It refuses two names, of any instances, that can
   * name one file: {iteration} and {epoch} in the last component stand for any decimal number, any other
   * {field} for any text without '/', and "{{" "}}" for literal braces. In a run the host creates the
   * folders of every name inside the output folder before the first create. */
  TK_OPTION_OUT_FILE = 10
} tk_option_type;

#define TK_OPTION_REQUIRED 1u /* the manifest must give it; default_value is then ignored */

/* One declared option. Owned by the plugin and static (lives until exit); the host reads it on the main
 * thread. An array of them is walked by its first element's struct_size, which every element repeats. */
typedef struct tk_option_decl {
  uint32_t struct_size; /* sizeof(tk_option_decl) as the plugin was built: the array's stride. [main thread] */
  const char *name;     /* manifest key, snake_case; static. [main thread] */
  int32_t type;         /* tk_option_type. [main thread] */
  uint32_t flags;       /* TK_OPTION_* bits. [main thread] */
  /* The default as text, or NULL for "no default: the getter answers TK_NOT_FOUND when the manifest does
   * not give it". STRING, TRIGGER, CHOICE and OUT_FILE defaults are the plain text ("log", "1 epoch");
   * every other type uses TOML value syntax ("3", "0.5", "true", "[\"main/loss\"]"). Static. [main thread] */
  const char *default_value;
  const char *doc;      /* one line for `trainkit plugins --describe`; static. [main thread] */
  /* ---- ABI 1.1: a 1.0 plugin's elements end before here; read only when struct_size covers them ---- */
  /* TK_OPTION_CHOICE: the allowed values, choice_count non-NULL, distinct strings; the default, if any,
   * is one of them. NULL and 0 for every other type. The array and its strings are static. [main thread]
   * Rationale: an array and a count rather than one '|'-joined string: no separator to reserve or escape,
   * "" is an ordinary choice ("no marker"), and the host parses nothing. */
  const char *const *choices;
  size_t choice_count; /* [main thread] */
} tk_option_decl;

/* Read-only view of one extension's options. Owned by the host; valid from create until destroy. Strings
 * the getters return live as long as the view. A getter answers TK_NOT_FOUND for a name without a value
 * (not declared, or no default and not given) and TK_ERR_INVALID when the option has another type. */
typedef struct tk_config {
  uint32_t struct_size; /* sizeof(tk_config) as the host knows it. [main thread] */
  const void *ctx;      /* host-private */
  tk_status (*get_bool)(const struct tk_config *c, const char *name, int32_t *out); /* [main thread] */
  tk_status (*get_i64)(const struct tk_config *c, const char *name, int64_t *out);  /* [main thread] */
  tk_status (*get_f64)(const struct tk_config *c, const char *name, double *out);   /* [main thread] */
  /* STRING, TRIGGER, CHOICE and OUT_FILE options. [main thread] */
  tk_status (*get_str)(const struct tk_config *c, const char *name, const char **out);
  /* Lists: *count is set; element getters read element i < count. [main thread] */
  tk_status (*get_list_size)(const struct tk_config *c, const char *name, size_t *count);
  tk_status (*get_list_i64)(const struct tk_config *c, const char *name, size_t i, int64_t *out);
  tk_status (*get_list_f64)(const struct tk_config *c, const char *name, size_t i, double *out);
  tk_status (*get_list_str)(const struct tk_config *c, const char *name, size_t i, const char **out);
  /* The manifest instance name ("snapshot", "snapshot_1"); owned by the host, valid as the view.
   * [main thread] */
  const char *instance_name;
  /* ---- ABI 1.1: read only when TK_HAS_MEMBER(tk_config, c, out_dir) ---- */
  /* Absolute path of the run's output folder, the one tk_context.out_dir names later: known from create
   * on, so create and a loading visit_state can look at the plugin's own files there. NUL-terminated,
   * owned by the host, valid as the view. In a run the host has created and locked the folder before
   * create. [main thread] */
  const char *out_dir;
} tk_config;

#ifdef __cplusplus
}
#endif

#endif
