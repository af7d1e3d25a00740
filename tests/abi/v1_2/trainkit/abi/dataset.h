/* trainkit plugin ABI 1.2: dataset classes, the second kind of plugin class.
 *
 * A manifest whose [data] says `format = "plugin"` and `plugin = "<class name>"` creates one instance of
 * the class per split the run reads: "train" (the manifest's data.train, default "train") and, when the
 * manifest names one, its data.validation. Each instance is a random-access set of examples; every example
 * is a set of named fields (tk_dataset_field) of fixed dtype and shape. The host asks for examples by
 * index, in its own seeded order, and hands the plugin host-owned tensors to fill: nothing is allocated
 * across the boundary. The options of [data.options] are checked against the class's declarations exactly
 * like an extension's.
 *
 *   static const int64_t point[] = {2};
 *   static const tk_dataset_field fields[] = {
 *       {sizeof(tk_dataset_field), "x", {kDLFloat, 32, 1}, 1, point},
 *       {sizeof(tk_dataset_field), "label", {kDLInt, 64, 1}, 0, NULL},
 *   };
 *
 * Threads: create, destroy, describe and visit_state run on the main thread; read_example and read_batch
 * run on the host's data thread (the prefetch thread) or on the main thread. The host never calls one
 * instance from two threads at once, so an instance needs no lock of its own.
 *
 * Rationale: reads must not change the instance's state. The host reads ahead of training (prefetch), so
 * state that advanced with each read would be ahead of what training has used when a snapshot saves it.
 * State is for what the examples depend on and a resume must restore or check (a generated table, the
 * version of the files behind the examples); the order of examples is the host's, saved by the host. */
#ifndef TRAINKIT_ABI_DATASET_H
#define TRAINKIT_ABI_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "config.h"
#include "error.h"
#include "host.h"
#include "state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One field of every example. Owned by the plugin; valid until the instance is destroyed. [main thread] */
typedef struct tk_dataset_field {
  uint32_t struct_size;  /* sizeof(tk_dataset_field) as the plugin was built: the array's stride */
  const char *name;      /* "x", "label": unique within the instance; the batch's key */
  DLDataType dtype;      /* of every example: float32 {kDLFloat, 32, 1}, int64 {kDLInt, 64, 1}, ... */
  int32_t ndim;          /* dimensions of one example: 0 for a scalar, at most TK_MAX_DIMS - 1 */
  const int64_t *shape;  /* ndim sizes, each > 0; NULL when ndim is 0 */
} tk_dataset_field;

typedef struct tk_dataset_class {
  uint32_t struct_size;          /* sizeof(tk_dataset_class) as the plugin was built. [main thread] */
  const char *name;              /* the manifest's data.plugin; snake_case; static. [main thread] */
  const char *description;       /* one line; static. [main thread] */
  const tk_option_decl *options; /* static array of option_count declarations (walked by its stride) */
  size_t option_count;           /* [main thread] */
  uint32_t state_version;        /* 0 = stateless: visit_state is never called. [main thread] */
  uint32_t oldest_state_version; /* oldest saved state_version this build can load. [main thread] */

  /* Creates the instance for `split` ("train", or the manifest's data.validation) from its validated
   * options. *instance is opaque to the host. A failure is a configuration error of the run (exit 2)
   * with the plugin's message. [main thread] */
  tk_status (*create)(const struct tk_dataset_class *cls, const tk_config *config, const tk_host *host,
                      const char *split, void **instance, tk_error *err);
  void (*destroy)(void *instance); /* never fails. [main thread] */
  /* The number of examples (> 0) and the fields of each, fixed for the instance's life. *fields points
   * to *field_count elements owned by the plugin, valid until destroy. [main thread] */
  tk_status (*describe)(void *instance, int64_t *size, const tk_dataset_field **fields, size_t *field_count,
                        tk_error *err);
  /* Writes example `index` (0 <= index < size) into out[0..out_count): out[i] is field i as describe
   * declared it, a compact host tensor of that dtype and shape whose memory the host owns and lends for
   * the call. Must not change the instance's state (see the Rationale above). [data thread] */
  tk_status (*read_example)(void *instance, int64_t index, const DLTensor *out, size_t out_count, tk_error *err);
  /* May be NULL. Writes the examples indices[0..count) into out[i], shaped [count, field shape...]; the
   * host calls it instead of read_example, once per batch, when it is present. [data thread] */
  tk_status (*read_batch)(void *instance, const int64_t *indices, int64_t count, const DLTensor *out,
                          size_t out_count, tk_error *err);
  /* Save or load the instance's state; NULL when state_version is 0. A loading visit that refuses the
   * saved state (TK_ERR_STATE_VERSION, with the reason) refuses the resume. [main thread] */
  tk_status (*visit_state)(void *instance, const tk_state_visitor *visitor, tk_error *err);
} tk_dataset_class;

#ifdef __cplusplus
}
#endif

#endif
