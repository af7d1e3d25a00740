/* trainkit plugin ABI: extension classes and the per-call context.
 *
 * A plugin offers extension classes; a manifest [[extension]] with `use = "<class name>"` creates one
 * instance. The host owns time: it evaluates the instance's trigger and calls `call` when it fires.
 * Every call returns a tk_status and fills the host-owned tk_error on failure; nothing may throw. */
#ifndef TRAINKIT_ABI_EXTENSION_H
#define TRAINKIT_ABI_EXTENSION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "host.h"
#include "state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chainer's priorities: higher runs first within an iteration. */
#define TK_PRIORITY_WRITER 300
#define TK_PRIORITY_EDITOR 200
#define TK_PRIORITY_READER 100
/* Extensions at exactly this priority run after every trigger of the iteration was evaluated (ppe). */
#define TK_PRIORITY_SNAPSHOT (-100)

/* Class flags. */
#define TK_EXTENSION_WANTS_SUMMARY 1u /* the context carries means of every observation since last call */
/* When SIGINT/SIGTERM stops the run, the host calls this instance once more (unless it already ran in the
 * last iteration) before finalize: how a snapshot extension takes its final snapshot. */
#define TK_EXTENSION_CALL_ON_STOP 2u

/* Read-only view of scalar key/value pairs. Owned by the host, borrowed for one call, as are the keys it
 * returns. */
typedef struct tk_scalar_view {
  uint32_t struct_size; /* sizeof(tk_scalar_view) as the host knows it. [main thread] */
  const void *ctx;      /* host-private */
  size_t (*size)(const struct tk_scalar_view *v);                /* [main thread] */
  const char *(*key)(const struct tk_scalar_view *v, size_t i);  /* insertion order. [main thread] */
  double (*value)(const struct tk_scalar_view *v, size_t i);     /* [main thread] */
  /* TK_NOT_FOUND when key is absent. [main thread] */
  tk_status (*find)(const struct tk_scalar_view *v, const char *key, double *out);
} tk_scalar_view;

/* What the host tells an extension at each call. Owned by the host and valid for the call, as is every
 * string and view it points to; read on the main thread. */
typedef struct tk_context {
  uint32_t struct_size;         /* sizeof(tk_context) as the host knows it. [main thread] */
  int64_t iteration;            /* updates done so far; the restored count in initialize. [main thread] */
  int64_t epoch;                /* whole epochs done so far. [main thread] */
  double epoch_detail;          /* iteration / iterations_per_epoch. [main thread] */
  int32_t is_new_epoch;         /* the last update finished an epoch. [main thread] */
  int32_t state_restored;       /* initialize: 1 if this instance's state came from a snapshot. [main thread] */
  int64_t iterations_per_epoch; /* [main thread] */
  /* Where the stop trigger ends the run, or -1 when unknown (early stop). [main thread] */
  int64_t max_iteration;
  double elapsed_time;          /* seconds of training, accumulated across resumes. [main thread] */
  const char *out_dir;          /* absolute path of the run's output folder. [main thread] */
  const char *instance_name;    /* this instance's unique name. [main thread] */
  /* This iteration's observation; NULL in initialize/finalize. [main thread] */
  const tk_scalar_view *observation;
  /* Means since this instance's last call (TK_EXTENSION_WANTS_SUMMARY), else NULL. [main thread] */
  const tk_scalar_view *summary;
  int32_t rank;                 /* distributed rank, 0 when alone. [main thread] */
  int32_t world_size;           /* 1 when alone. [main thread] */
} tk_context;

/* One extension class. Owned by the plugin and static (valid until exit), as is everything it points to;
 * the host reads it and calls its functions on the main thread. An instance (void *instance) is owned by
 * the plugin from create until destroy; tk_error buffers are the host's, valid for the call. */
typedef struct tk_extension_class {
  uint32_t struct_size;        /* sizeof(tk_extension_class) as the plugin was built. [main thread] */
  const char *name;            /* the manifest's `use =`; snake_case; static. [main thread] */
  const char *description;     /* one line; static. [main thread] */
  /* "1 iteration", "1 epoch", "0.5 epoch", "once"; static. [main thread] */
  const char *default_trigger;
  int32_t default_priority;    /* TK_PRIORITY_* or any integer. [main thread] */
  uint32_t flags;              /* TK_EXTENSION_* bits. [main thread] */
  /* Static array of option_count declarations, walked with a stride of options[0].struct_size (config.h).
   * [main thread] */
  const tk_option_decl *options;
  size_t option_count;           /* [main thread] */
  uint32_t state_version;        /* 0 = stateless: visit_state is never called. [main thread] */
  uint32_t oldest_state_version; /* oldest saved state_version this build can load. [main thread] */

  /* Creates one instance from its validated options. config and host are borrowed: config until destroy,
   * host until deinit. *instance is opaque to the host. [main thread] */
  tk_status (*create)(const struct tk_extension_class *cls, const tk_config *config, const tk_host *host,
                      void **instance, tk_error *err);
  void (*destroy)(void *instance); /* after finalize; never fails. [main thread] */
  /* Once before training, after every state was restored; ctx->iteration is the restored count.
   * May be NULL. [main thread] */
  tk_status (*initialize)(void *instance, const tk_context *ctx, tk_error *err);
  /* Each time the instance's trigger fires. [main thread] */
  tk_status (*call)(void *instance, const tk_context *ctx, tk_error *err);
  /* Training failed; `what` (borrowed for the call) describes why. Called on every instance, then
   * finalize. May be NULL. [main thread] */
  tk_status (*on_error)(void *instance, const tk_context *ctx, const char *what, tk_error *err);
  /* Once at the end of the run, also after an error. May be NULL. [main thread] */
  tk_status (*finalize)(void *instance, const tk_context *ctx, tk_error *err);
  /* Save or load the instance's state; NULL when state_version is 0. Any failure while loading refuses
   * the resume (exit 3). [main thread] */
  tk_status (*visit_state)(void *instance, const tk_state_visitor *visitor, tk_error *err);
  /* May be NULL. Before any state is restored and before any initialize, the host asks each
   * instance for a snapshot to resume from. requested = 1 when the user asked for a resume (`--resume`
   * without a path), 0 when only the instance's own settings (autoload) may start one. Write the
   * NUL-terminated path into path[0..path_size) (the host's buffer, valid for the call) and answer TK_OK,
   * or answer TK_NOT_FOUND. [main thread] */
  tk_status (*find_resume_point)(void *instance, const tk_context *ctx, int32_t requested, char *path,
                                 size_t path_size, tk_error *err);
} tk_extension_class;

#ifdef __cplusplus
}
#endif

#endif
