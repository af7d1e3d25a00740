/* trainkit plugin ABI: the host and the services it offers.
 *
 * Plugins never link against the host: everything the host offers is a vtable obtained by a string id
 * through tk_host.get_service. A new capability is a new id ("trainkit.model/2"), never a changed struct.
 * Every service vtable is owned by the host, static, and valid until the plugin's deinit.
 *
 *   const tk_log_service *log = host->get_service(host, TK_SERVICE_LOG);
 *   if (log != NULL) log->log(host, TK_LOG_INFO, "hello");
 *
 * Each member says which thread may call or read it: [main thread] (the thread that calls the plugin's
 * entry points), [main thread, inside a call] (additionally only while one of this plugin's instances is
 * in initialize/call/on_error/finalize), or [any thread] (also threads the plugin started). */
#ifndef TRAINKIT_ABI_HOST_H
#define TRAINKIT_ABI_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "error.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Owned by the host; handed to init and create, valid until the plugin's deinit. */
typedef struct tk_host {
  uint32_t struct_size;  /* sizeof(tk_host) as the host knows it. [any thread] */
  tk_abi_version abi;    /* the host's ABI version. [any thread] */
  const char *name;      /* "trainkit"; static. [any thread] */
  const char *version;   /* trainkit's own version; static. [any thread] */
  const void *host_data; /* host-private */
  /* Returns the service vtable for id (borrowed for the call), or NULL when this host does not offer
   * it. A pure lookup, so a plugin may fetch the log service from its own thread. [any thread] */
  const void *(*get_service)(const struct tk_host *host, const char *id);
} tk_host;

/* ---- "trainkit.log/1": messages that go to the run's log with the instance name in front. ---------- */
#define TK_SERVICE_LOG "trainkit.log/1"
enum { TK_LOG_DEBUG = 0, TK_LOG_INFO = 1, TK_LOG_WARNING = 2, TK_LOG_ERROR = 3 };
typedef struct tk_log_service {
  uint32_t struct_size; /* [any thread] */
  /* Writes one line; message is UTF-8, borrowed for the call. [any thread] */
  void (*log)(const tk_host *host, int32_t level, const char *message);
} tk_log_service;

/* ---- "trainkit.observation/1": report scalars into the current iteration's observation. ------------- */
#define TK_SERVICE_OBSERVATION "trainkit.observation/1"
typedef struct tk_observation_service {
  uint32_t struct_size; /* [any thread] */
  /* Adds or replaces key in this iteration's observation; readers of lower priority see it in the same
   * iteration, and interval summaries include it. key is copied. [main thread, inside a call] */
  tk_status (*report)(const tk_host *host, const char *key, double value);
} tk_observation_service;

/* ---- "trainkit.optimizer/1": read and write optimizer hyperparameters per parameter group. --------- */
#define TK_SERVICE_OPTIMIZER "trainkit.optimizer/1"
typedef struct tk_optimizer_service {
  uint32_t struct_size; /* [any thread] */
  /* "sgd", "adam", ...; the string is valid until the next call to name. [main thread, inside a call] */
  const char *(*name)(const tk_host *host);
  size_t (*param_group_count)(const tk_host *host); /* [main thread, inside a call] */
  /* name: "lr", "momentum", "weight_decay", "beta1", "beta2", "eps", ... TK_NOT_FOUND if this optimizer
   * has no such hyperparameter. name is borrowed for the call. [main thread, inside a call] */
  tk_status (*get_hyperparameter)(const tk_host *host, size_t group, const char *name, double *out);
  /* Takes effect from the next update. [main thread, inside a call] */
  tk_status (*set_hyperparameter)(const tk_host *host, size_t group, const char *name, double value);
} tk_optimizer_service;

/* ---- "trainkit.evaluation/1": run a data split through the model without training it. -------------- */
#define TK_SERVICE_EVALUATION "trainkit.evaluation/1"
typedef struct tk_evaluation_service {
  uint32_t struct_size; /* [any thread] */
  /* Runs the split named in the manifest's [data] table ("validation") in eval mode without gradients,
   * and reports "<prefix>/main/loss" and "<prefix>/main/accuracy" (means over the whole split) into
   * the current observation. Strings are borrowed for the call; err is filled on failure.
   * [main thread, inside a call] */
  tk_status (*evaluate)(const tk_host *host, const char *split, const char *prefix, tk_error *err);
} tk_evaluation_service;

/* ---- "trainkit.model/1": the model's parameters as borrowed DLPack tensors. ------------------------ */
#define TK_SERVICE_MODEL "trainkit.model/1"
typedef struct tk_model_service {
  uint32_t struct_size; /* [any thread] */
  size_t (*parameter_count)(const tk_host *host); /* [main thread, inside a call] */
  /* Fills *name (dotted path, e.g. "fc1.weight") and *tensor (a plugin-owned DLTensor) to describe the
   * live parameter: data in CPU memory (kDLCPU), shape and strides arrays owned by the host (strides may
   * describe a non-contiguous tensor). Name, data, shape and strides are borrowed until the current call
   * returns; read only. In call, the values are those after this iteration's update.
   * [main thread, inside a call] */
  tk_status (*parameter)(const tk_host *host, size_t index, const char **name, DLTensor *tensor);
  /* Same for the parameter's gradient: in call, the gradient this iteration's backward computed (before
   * the update), valid until the next iteration clears it; TK_NOT_FOUND when there is none (before the
   * first update of this process, e.g. in initialize or right after a resume). [main thread, inside a call] */
  tk_status (*gradient)(const tk_host *host, size_t index, DLTensor *tensor);
} tk_model_service;

/* ---- "trainkit.snapshot/1": capture, write and verify whole training states. ------------------------ */
#define TK_SERVICE_SNAPSHOT "trainkit.snapshot/1"
typedef struct tk_snapshot tk_snapshot; /* opaque: a captured copy of the state, owned by the host */
typedef struct tk_snapshot_writer tk_snapshot_writer; /* opaque: a writer process (1.3) */
typedef struct tk_snapshot_service {
  uint32_t struct_size; /* [any thread] */
  /* Copies the state into host memory so training can go on while it is written: target "trainer" (the
   * whole training state) or a '+'-joined list of parts from model, optimizer, updater, counters,
   * extensions ("model" = parameters and buffers only); format "trainkit" or "torch". *out is owned by
   * the plugin until it hands it to release. [main thread, inside a call] */
  tk_status (*capture)(const tk_host *host, const char *target, const char *format, tk_snapshot **out,
                       tk_error *err);
  /* Writes a captured state to path: a hidden temp file in the same folder, fsync, rename, fsync of the
   * folder; never a partial file under path. Does not call into LibTorch, so it is safe in a forked
   * child. [any thread; one call per snapshot at a time] */
  tk_status (*write)(const tk_host *host, const tk_snapshot *snapshot, const char *path, tk_error *err);
  /* Frees a captured state; snapshot is invalid afterwards. [any thread] */
  void (*release)(const tk_host *host, tk_snapshot *snapshot);
  /* Streams the live state straight to path, without a second copy in memory; same file guarantees as
   * write. [main thread, inside a call] */
  tk_status (*write_now)(const tk_host *host, const char *target, const char *format, const char *path,
                         tk_error *err);
  /* Reads the whole file and checks every checksum; on success sets *iteration to the iteration it was
   * taken at. A truncated, corrupt or foreign file answers TK_ERR_IO with the reason. [any thread] */
  tk_status (*verify)(const tk_host *host, const char *path, int64_t *iteration, tk_error *err);
  /* ---- Appended in 1.3: writer processes (check TK_HAS_MEMBER(tk_snapshot_service, s, stop_writer)). --
   * Rationale: writing in a fork()ed child copies the trainer's page tables on the training thread, far
   * longer than the capture for a big run. A writer process is trainkit-snapshot-writer, started with
   * posix_spawn from trainkit's libexec folder; it maps a captured copy's memory read-only (shared, not
   * copied) and writes it with the same code and file guarantees as write. A writer ignores SIGINT, SIGTERM
   * and SIGHUP and exits once stop_writer closed it or this process died, after finishing the file in hand. */
  /* Starts a writer process; *out is the plugin's until stop_writer. TK_ERR_IO naming the executable when it
   * is missing or cannot start. Needs no run (a plugin may check in create). [any thread] */
  tk_status (*start_writer)(const tk_host *host, tk_snapshot_writer **out, tk_error *err);
  /* Hands snapshot to the writer to write to path; returns once the writer has it. The plugin keeps the
   * snapshot (does not release it) until writer_result answered for it. TK_ERR_IO when the writer has
   * ended. [any thread; one thread per writer at a time] */
  tk_status (*writer_send)(const tk_host *host, tk_snapshot_writer *writer, const tk_snapshot *snapshot,
                           const char *path, tk_error *err);
  /* Waits for the answer to the oldest writer_send not answered yet: TK_OK when its file is in place, else
   * TK_ERR_IO with the reason (the write's error, or how the writer process ended; an ended writer answers
   * TK_ERR_IO from then on). [any thread; one thread per writer at a time] */
  tk_status (*writer_result)(const tk_host *host, tk_snapshot_writer *writer, tk_error *err);
  /* Closes the writer, waits until its process exited (it finishes a file in hand first) and frees it.
   * [any thread; not while another thread uses the writer] */
  void (*stop_writer)(const tk_host *host, tk_snapshot_writer *writer);
} tk_snapshot_service;

/* ---- "trainkit.distributed/1" (1.2): the ranks of a data-parallel run. ----------------------------- */
/* Rationale: tk_context.rank and .world_size tell a callback where it runs, but not create, a plugin's own
 * threads, or anything that needs the other ranks: a snapshot's barrier, a decision every rank must take
 * alike. The service answers both; in a run of one process it says rank 0 of 1 and its collectives return
 * at once. The host offers it from ABI 1.2 on, also to plugins built against older minors (a new id). */
#define TK_SERVICE_DISTRIBUTED "trainkit.distributed/1"
enum { TK_REDUCE_SUM = 0, TK_REDUCE_MIN = 1, TK_REDUCE_MAX = 2 };
typedef struct tk_distributed_service {
  uint32_t struct_size; /* [any thread] */
  /* This process's rank, 0 when the run is one process; fixed from the plugin's init on. [any thread] */
  int32_t (*rank)(const tk_host *host);
  /* The number of ranks, 1 when the run is one process; fixed from init on. [any thread] */
  int32_t (*world_size)(const tk_host *host);
  /* This rank's index among the ranks on its machine (LOCAL_RANK); fixed from init on. [any thread] */
  int32_t (*local_rank)(const tk_host *host);
  /* The collectives below must be called by every rank, the same calls in the same order (the same
   * instance's same callback does that, since every rank runs the same triggers). A rank that died, hangs
   * or failed makes them answer TK_ERR_IO with a message naming it, within the run's [distributed] timeout;
   * after a failure they answer TK_ERR_IO at once. [main thread, inside a call] */
  /* Returns once every rank has called it. */
  tk_status (*barrier)(const tk_host *host, tk_error *err);
  /* values[0..count) become their element-wise TK_REDUCE_SUM, _MIN or _MAX over the ranks, the same on
   * every rank. values is the plugin's, borrowed for the call. */
  tk_status (*all_reduce)(const tk_host *host, double *values, size_t count, int32_t op, tk_error *err);
  /* Rank root's NUL-terminated text is copied into text (the plugin's buffer of capacity bytes) on every
   * rank. TK_ERR_INVALID on every rank, text unchanged, when it does not fit in capacity - 1 bytes. */
  tk_status (*broadcast)(const tk_host *host, char *text, size_t capacity, int32_t root, tk_error *err);
} tk_distributed_service;

#ifdef __cplusplus
}
#endif

#endif
