/* A plugin written in plain C against the frozen copy of the ABI 1.2 headers (tests/abi/v1_2/) and nothing
 * else. It uses what 1.2 added: a dataset class, a TK_OPTION_OUT_FILE option and "trainkit.distributed/1".
 *
 * Dataset class abi_v1_2_data: option examples (int, default 32). Example i is a 1x4x4 float "image", a
 *   ramp up for label 0 and down for label 1, and its int64 "label" i % 2.
 * Extension abi_v1_2_out_file: option file (out-file, default "abi_v1_2/seen.txt"). Each call writes
 *   "iteration <i> epoch <e>\n" to that file inside the output folder ("" writes nothing).
 * Extension abi_v1_2_ranks: looks the distributed service up at create and reports what it said there,
 *   "abi/v1_2/{rank,world_size,local_rank}", and at each call what its collectives gave: "abi/v1_2/sum" (an
 *   all-reduce of 1), "abi/v1_2/broadcast_kept" = 1 when rank 0's text came back, and
 *   "abi/v1_2/context_agrees" = 1 when the call's tk_context names the same rank and world size. A rank
 *   that did not get rank 0's text fails the call: the reports of ranks other than 0 reach no log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trainkit/abi.h>

/* The frozen headers have the v1.2 layout; the same table checks the current ones (layout_check.c). */
#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), "frozen v1.2: sizeof(" #type ")");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "frozen v1.2: offsetof(" #type ", " #member ")");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), "frozen v1.2: " #name);
#include "layout_v1_2.inc"
_Static_assert(TK_ABI_MAJOR == 1 && TK_ABI_MINOR == 2, "tests/abi/v1_2 must hold the 1.2 headers");

#define PLUGIN_ID "org.trainkit.test.abi_v1_2"

__attribute__((section(TK_PLUGIN_SECTION_NAME), used)) static const char plugin_marker[] = "trainkit plugin ABI 1";

static tk_status fail(tk_error *err, tk_status code, const char *message) {
  size_t n = strlen(message);
  if (err == NULL || err->struct_size < sizeof(tk_error)) return code;
  if (n >= sizeof err->message) n = sizeof err->message - 1;
  err->code = code;
  memcpy(err->message, message, n);
  err->message[n] = '\0';
  return code;
}

static tk_status report(const tk_host *host, const char *key, double value, tk_error *err) {
  const tk_observation_service *obs = host->get_service(host, TK_SERVICE_OBSERVATION);
  if (obs == NULL || obs->report(host, key, value) != TK_OK) return fail(err, TK_ERR_INTERNAL, "report failed");
  return TK_OK;
}

/* ---- dataset class abi_v1_2_data ------------------------------------------------------------------------ */

enum { kPixels = 16 };
static const int64_t image_shape[] = {1, 4, 4};
static const tk_dataset_field fields[] = {
    {sizeof(tk_dataset_field), "image", {kDLFloat, 32, 1}, 3, image_shape},
    {sizeof(tk_dataset_field), "label", {kDLInt, 64, 1}, 0, NULL},
};

static const tk_option_decl data_options[] = {
    {sizeof(tk_option_decl), "examples", TK_OPTION_INT, 0, "32", "examples in each split", NULL, 0},
};

static tk_status data_create(const tk_dataset_class *cls, const tk_config *config, const tk_host *host,
                             const char *split, void **out, tk_error *err) {
  int64_t examples = 0;
  int64_t *size = NULL;
  (void)cls, (void)host, (void)split; /* every split holds the same examples */
  if (config->get_i64(config, "examples", &examples) != TK_OK || examples <= 0)
    return fail(err, TK_ERR_INVALID, "examples must be > 0");
  size = malloc(sizeof *size);
  if (size == NULL) return fail(err, TK_ERR_INTERNAL, "out of memory");
  *size = examples;
  *out = size;
  return TK_OK;
}

static void data_destroy(void *self) { free(self); }

static tk_status data_describe(void *self, int64_t *size, const tk_dataset_field **out_fields, size_t *field_count,
                               tk_error *err) {
  (void)err;
  *size = *(const int64_t *)self;
  *out_fields = fields;
  *field_count = sizeof fields / sizeof fields[0];
  return TK_OK;
}

/* The host lends compact CPU tensors shaped as describe said; anything else would be written out of bounds. */
static int lent_as_declared(const DLTensor *t, const tk_dataset_field *field) {
  if (t->dtype.code != field->dtype.code || t->dtype.bits != field->dtype.bits || t->ndim != field->ndim) return 0;
  for (int32_t d = 0; d < field->ndim; ++d)
    if (t->shape[d] != field->shape[d]) return 0;
  return t->device.device_type == kDLCPU;
}

static tk_status data_read_example(void *self, int64_t index, const DLTensor *out, size_t out_count, tk_error *err) {
  float *image = NULL;
  int64_t label = index % 2;
  if (index < 0 || index >= *(const int64_t *)self) return fail(err, TK_ERR_INVALID, "index out of range");
  if (out_count != 2 || !lent_as_declared(&out[0], &fields[0]) || !lent_as_declared(&out[1], &fields[1]))
    return fail(err, TK_ERR_INVALID, "the host lent tensors other than the declared fields");
  image = (float *)((char *)out[0].data + out[0].byte_offset);
  for (int p = 0; p < kPixels; ++p) image[p] = (float)(label == 0 ? p : kPixels - 1 - p) / (kPixels - 1);
  *(int64_t *)((char *)out[1].data + out[1].byte_offset) = label;
  return TK_OK;
}

static const tk_dataset_class data_class = {
    sizeof(tk_dataset_class),
    "abi_v1_2_data",
    "ramps up (label 0) or down (label 1) in 4x4 images; a C plugin built against the frozen ABI 1.2 headers",
    data_options,
    sizeof data_options / sizeof data_options[0],
    0,
    0,
    data_create,
    data_destroy,
    data_describe,
    data_read_example,
    NULL, /* read_batch: read example by example */
    NULL, /* visit_state: stateless */
};

/* ---- extension abi_v1_2_out_file ------------------------------------------------------------------------ */

static const tk_option_decl out_file_options[] = {
    {sizeof(tk_option_decl), "file", TK_OPTION_OUT_FILE, 0, "abi_v1_2/seen.txt", "where each call writes", NULL, 0},
};

static tk_status out_file_create(const tk_extension_class *cls, const tk_config *config, const tk_host *host,
                                 void **out, tk_error *err) {
  const char *file = NULL;
  (void)cls, (void)host;
  if (config->get_str(config, "file", &file) != TK_OK) return fail(err, TK_ERR_INVALID, "no file option");
  *out = (void *)file; /* the config's string, valid as the view: until destroy */
  return TK_OK;
}

static void out_file_destroy(void *self) { (void)self; /* owns nothing: the name is the config's */ }

static tk_status out_file_call(void *self, const tk_context *ctx, tk_error *err) {
  const char *file = self;
  size_t n = strlen(ctx->out_dir) + 1 + strlen(file) + 1;
  char *path = NULL;
  FILE *f = NULL;
  int written = 0;
  if (file[0] == '\0') return TK_OK;
  path = malloc(n);
  if (path == NULL) return fail(err, TK_ERR_INTERNAL, "out of memory");
  snprintf(path, n, "%s/%s", ctx->out_dir, file);
  f = fopen(path, "w"); /* its folder is the host's to create, before the first create */
  free(path);
  if (f == NULL) return fail(err, TK_ERR_IO, "cannot open the out file");
  written = fprintf(f, "iteration %lld epoch %lld\n", (long long)ctx->iteration, (long long)ctx->epoch);
  if (fclose(f) != 0 || written < 0) return fail(err, TK_ERR_IO, "cannot write the out file");
  return TK_OK;
}

/* ---- extension abi_v1_2_ranks --------------------------------------------------------------------------- */

typedef struct ranks {
  const tk_host *host;
  const tk_distributed_service *dist;
  int32_t rank, world_size, local_rank; /* as the service said at create */
} ranks;

static tk_status ranks_create(const tk_extension_class *cls, const tk_config *config, const tk_host *host,
                              void **out, tk_error *err) {
  ranks *r = NULL;
  const tk_distributed_service *dist = host->get_service(host, TK_SERVICE_DISTRIBUTED);
  (void)cls, (void)config;
  if (dist == NULL || !TK_HAS_MEMBER(tk_distributed_service, dist, broadcast))
    return fail(err, TK_ERR_INVALID, "the host offers no " TK_SERVICE_DISTRIBUTED);
  r = malloc(sizeof *r);
  if (r == NULL) return fail(err, TK_ERR_INTERNAL, "out of memory");
  r->host = host;
  r->dist = dist;
  r->rank = dist->rank(host);
  r->world_size = dist->world_size(host);
  r->local_rank = dist->local_rank(host);
  *out = r;
  return TK_OK;
}

static void ranks_destroy(void *self) { free(self); }

static tk_status ranks_call(void *self, const tk_context *ctx, tk_error *err) {
  const ranks *r = self;
  double sum[] = {1.0};
  char text[16] = "";
  tk_status status = TK_OK;
  if (r->rank == 0) strcpy(text, "from rank 0");
  if ((status = r->dist->barrier(r->host, err)) != TK_OK ||
      (status = r->dist->all_reduce(r->host, sum, 1, TK_REDUCE_SUM, err)) != TK_OK ||
      (status = r->dist->broadcast(r->host, text, sizeof text, 0, err)) != TK_OK)
    return status;
  if (strcmp(text, "from rank 0") != 0) return fail(err, TK_ERR_INVALID, "the broadcast did not carry rank 0's text");
  if ((status = report(r->host, "abi/v1_2/rank", r->rank, err)) != TK_OK ||
      (status = report(r->host, "abi/v1_2/world_size", r->world_size, err)) != TK_OK ||
      (status = report(r->host, "abi/v1_2/local_rank", r->local_rank, err)) != TK_OK ||
      (status = report(r->host, "abi/v1_2/sum", sum[0], err)) != TK_OK ||
      (status = report(r->host, "abi/v1_2/broadcast_kept", strcmp(text, "from rank 0") == 0, err)) != TK_OK)
    return status;
  return report(r->host, "abi/v1_2/context_agrees", ctx->rank == r->rank && ctx->world_size == r->world_size, err);
}

/* ---- the plugin ------------------------------------------------------------------------------------------- */

static const tk_extension_class extension_classes[] = {
    {sizeof(tk_extension_class), "abi_v1_2_out_file",
     "writes the iteration to a file in the output folder; a C plugin built against the frozen ABI 1.2 headers",
     "1 epoch", TK_PRIORITY_WRITER, 0, out_file_options, sizeof out_file_options / sizeof out_file_options[0], 0, 0,
     out_file_create, out_file_destroy, NULL, out_file_call, NULL, NULL, NULL, NULL},
    {sizeof(tk_extension_class), "abi_v1_2_ranks",
     "reports what trainkit.distributed/1 says; a C plugin built against the frozen ABI 1.2 headers", "1 epoch",
     TK_PRIORITY_WRITER, 0, NULL, 0, 0, 0, ranks_create, ranks_destroy, NULL, ranks_call, NULL, NULL, NULL, NULL},
};

static tk_status init(const tk_host *host, tk_error *err) {
  if (host != NULL && host->abi.major == TK_ABI_MAJOR) return TK_OK;
  return fail(err, TK_ERR_INVALID, "the host does not speak ABI 1");
}
static size_t class_count(void) { return sizeof extension_classes / sizeof extension_classes[0]; }
static const tk_extension_class *get_class(size_t index) {
  return index < class_count() ? &extension_classes[index] : NULL;
}
static size_t dataset_class_count(void) { return 1; }
static const tk_dataset_class *get_dataset_class(size_t index) { return index == 0 ? &data_class : NULL; }

static const tk_plugin_descriptor descriptor = {
    sizeof(tk_plugin_descriptor), PLUGIN_ID, "1.2.0", "trainkit tests", NULL,
    "a plain C plugin built against the frozen ABI 1.2 headers", NULL,
};

__attribute__((visibility("default"))) const tk_plugin_entry trainkit_plugin_entry_v1 = {
    sizeof(tk_plugin_entry), TK_ENTRY_MAGIC, {TK_ABI_MAJOR, TK_ABI_MINOR}, &descriptor,
    init, NULL, class_count, get_class, dataset_class_count, get_dataset_class,
};
