/* trainkit plugin ABI: status codes and the error buffer every call takes.
 *
 * Rationale: exceptions never cross the plugin boundary. Every call returns a tk_status and, on failure,
 * writes a human-readable message into a host-owned tk_error. The host adds the plugin id, the instance
 * name and the call name, so the plugin's message only says what went wrong. */
#ifndef TRAINKIT_ABI_ERROR_H
#define TRAINKIT_ABI_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t tk_status;

#define TK_OK 0
#define TK_NOT_FOUND 1            /* not an error: a looked-up key or service is absent */
#define TK_ERR_INVALID (-1)       /* bad argument or option value */
/* Saved state cannot be continued by this build. From visit_state while loading, it refuses the resume
 * (exit 3), as any failure of a loading visit does: also the answer when the plugin's own files in
 * tk_config.out_dir do not match the state it is handed. Rationale: no separate "refused" status, since
 * every failing loading visit already refuses the resume; a second code would spell the same outcome. */
#define TK_ERR_STATE_VERSION (-2)
#define TK_ERR_IO (-3)            /* file system or stream failure */
#define TK_ERR_INTERNAL (-4)      /* a bug, or an exception of unknown type */
#define TK_ERR_STOP (-5)          /* the extension asks the run to stop with an error (e.g. NaN found) */

#define TK_ERROR_MESSAGE_SIZE 1024

/* Owned by the host, handed to one call and valid until it returns. */
typedef struct tk_error {
  uint32_t struct_size; /* sizeof(tk_error) as the host knows it; set by the host. [the call's thread] */
  tk_status code;       /* written by the plugin together with message. [the call's thread] */
  /* UTF-8, NUL-terminated, truncated to fit; written by the plugin. [the call's thread] */
  char message[TK_ERROR_MESSAGE_SIZE];
} tk_error;

#ifdef __cplusplus
}
#endif

#endif
