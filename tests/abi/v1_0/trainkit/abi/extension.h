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

/* Read-only view of scalar key/value pairs, borrowed for one call. */
typedef struct tk_scalar_view {
  uint32_t struct_size;
  const void *ctx; /* host-private */
  size_t (*size)(const struct tk_scalar_view *v);
  const char *(*key)(const struct tk_scalar_view *v, size_t i); /* insertion order */
  double (*value)(const struct tk_scalar_view *v, size_t i);
  tk_status (*find)(const struct tk_scalar_view *v, const char *key, double *out); /* TK_NOT_FOUND */
} tk_scalar_view;

/* What the host tells an extension at each call. Owned by the host, valid for the call. */
typedef struct tk_context {
  uint32_t struct_size;
  int64_t iteration;            /* updates done so far */
  int64_t epoch;                /* whole epochs done so far */
  double epoch_detail;          /* iteration / iterations_per_epoch */
  int32_t is_new_epoch;         /* the last update finished an epoch */
  int32_t state_restored;       /* initialize: 1 if this instance's state came from a snapshot */
  int64_t iterations_per_epoch;
  int64_t max_iteration;        /* where the stop trigger ends the run, or -1 when unknown (early stop) */
  double elapsed_time;          /* seconds of training, accumulated across resumes */
  const char *out_dir;          /* absolute path of the run's output folder */
  const char *instance_name;    /* this instance's unique name */
  const tk_scalar_view *observation; /* this iteration's observation; NULL in initialize/finalize */
  const tk_scalar_view *summary;     /* means since this instance's last call (WANTS_SUMMARY) or NULL */
  int32_t rank;                 /* distributed rank, 0 when alone */
  int32_t world_size;           /* 1 when alone */
} tk_context;

typedef struct tk_extension_class {
  uint32_t struct_size;
  const char *name;            /* the manifest's `use =`; snake_case; static */
  const char *description;     /* one line; static */
  const char *default_trigger; /* "1 iteration", "1 epoch", "0.5 epoch", "once"; static */
  int32_t default_priority;    /* TK_PRIORITY_* or any integer */
  uint32_t flags;              /* TK_EXTENSION_* bits */
  const tk_option_decl *options; /* static array of option_count declarations */
  size_t option_count;
  uint32_t state_version;        /* 0 = stateless: visit_state is never called */
  uint32_t oldest_state_version; /* oldest saved state_version this build can load */

  /* [main thread] Creates one instance from its validated options. *instance is opaque to the host. */
  tk_status (*create)(const struct tk_extension_class *cls, const tk_config *config, const tk_host *host,
                      void **instance, tk_error *err);
  void (*destroy)(void *instance); /* [main thread] after finalize; never fails */
  /* [main thread] Once before training, after every state was restored. */
  tk_status (*initialize)(void *instance, const tk_context *ctx, tk_error *err);
  /* [main thread] Each time the instance's trigger fires. */
  tk_status (*call)(void *instance, const tk_context *ctx, tk_error *err);
  /* [main thread] Training failed; `what` describes why. Called on every instance, then finalize. */
  tk_status (*on_error)(void *instance, const tk_context *ctx, const char *what, tk_error *err);
  /* [main thread] Once at the end of the run, also after an error. */
  tk_status (*finalize)(void *instance, const tk_context *ctx, tk_error *err);
  /* [main thread] Save or load the instance's state; NULL when state_version is 0. */
  tk_status (*visit_state)(void *instance, const tk_state_visitor *visitor, tk_error *err);
  /* [main thread] May be NULL. Before any state is restored and before any initialize, the host asks each
   * instance for a snapshot to resume from. requested = 1 when the user asked for a resume (`--resume`
   * without a path), 0 when only the instance's own settings (autoload) may start one. Write the
   * NUL-terminated path into path[0..path_size) and answer TK_OK, or answer TK_NOT_FOUND. */
  tk_status (*find_resume_point)(void *instance, const tk_context *ctx, int32_t requested, char *path,
                                 size_t path_size, tk_error *err);
} tk_extension_class;

#endif
