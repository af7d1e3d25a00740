/* trainkit plugin ABI: the state visitor ("trainkit.state/1").
 *
 * One visit function saves and loads (Chainer's serialize(serializer)). In SAVE mode the visitor reads the
 * value behind each pointer; in LOAD mode it writes it, or answers TK_NOT_FOUND and leaves the caller's
 * default alone (a key added in a newer build of the plugin). Plugins never see the on-disk format.
 *
 * Rationale: keys, not positions. Adding a key is compatible; changing a key's meaning bumps the class's
 * state_version, and the host refuses a snapshot whose version is outside [oldest_state_version,
 * state_version] before any plugin code runs. */
#ifndef TRAINKIT_ABI_STATE_H
#define TRAINKIT_ABI_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_STATE_ID "trainkit.state/1"
#define TK_MAX_DIMS 16

enum { TK_VISIT_SAVE = 1, TK_VISIT_LOAD = 2 };

/* Owned by the host, handed to one visit_state call and valid until it returns. Keys and buffers the plugin
 * passes are borrowed for the call they are passed to. */
typedef struct tk_state_visitor {
  uint32_t struct_size;   /* sizeof(tk_state_visitor) as the host knows it. [main thread] */
  void *ctx;              /* host-private */
  int32_t mode;           /* TK_VISIT_SAVE or TK_VISIT_LOAD. [main thread] */
  /* LOAD: the state_version stored with the data; SAVE: the current one. [main thread] */
  uint32_t saved_version;
  tk_status (*enter)(const struct tk_state_visitor *v, const char *key); /* nested scope. [main thread] */
  tk_status (*leave)(const struct tk_state_visitor *v);                  /* [main thread] */
  tk_status (*i64)(const struct tk_state_visitor *v, const char *key, int64_t *value);    /* [main thread] */
  tk_status (*f64)(const struct tk_state_visitor *v, const char *key, double *value);     /* [main thread] */
  tk_status (*boolean)(const struct tk_state_visitor *v, const char *key, int32_t *value); /* [main thread] */
  /* Strings and bytes, two calls on LOAD: buf == NULL sets *len; then buf with capacity *len is filled.
   * SAVE reads *len bytes from buf. [main thread] */
  tk_status (*str)(const struct tk_state_visitor *v, const char *key, char *buf, size_t *len);
  tk_status (*bytes)(const struct tk_state_visitor *v, const char *key, void *buf, size_t *len);
  /* The DLTensor describes the plugin's own CPU memory, borrowed for the call. SAVE copies it out before
   * returning. LOAD checks dtype and shape (TK_ERR_INVALID on mismatch) and copies into t->data.
   * [main thread] */
  tk_status (*tensor)(const struct tk_state_visitor *v, const char *key, const DLTensor *t);
  /* LOAD only: dtype and shape of a saved tensor, so the plugin can allocate before calling tensor.
   * [main thread] */
  tk_status (*tensor_info)(const struct tk_state_visitor *v, const char *key, DLDataType *dtype,
                           int32_t *ndim, int64_t shape[TK_MAX_DIMS]);
} tk_state_visitor;

#ifdef __cplusplus
}
#endif

#endif
