/* A plugin written in plain C against the frozen copy of the ABI 1.0 headers (tests/abi/v1_0/) and nothing
 * else: no SDK wrapper, no current header. The current host must keep loading and running it.
 *
 * Class abi_v1_0: options key (string) and value (float); each call reports value under key, and reports
 * "<key>/loss_seen" = 1 when the iteration's observation holds main/loss (the scalar view works). */
#include <stdlib.h>
#include <string.h>

#include <trainkit/abi.h>

/* The frozen headers still have the v1.0 layout (layout_v1_0.inc); the same table checks the current ones. */
#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), "frozen v1.0: sizeof(" #type ")");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "frozen v1.0: offsetof(" #type ", " #member ")");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), "frozen v1.0: " #name);
#include "layout_v1_0.inc"
_Static_assert(TK_ABI_MAJOR == 1 && TK_ABI_MINOR == 0, "tests/abi/v1_0 must hold the 1.0 headers");

#define PLUGIN_ID "org.trainkit.test.abi_v1_0"

__attribute__((section(TK_PLUGIN_SECTION_NAME), used)) static const char plugin_marker[] = "trainkit plugin ABI 1";

typedef struct instance {
  const tk_host *host;
  char *key;
  char *seen_key;
  double value;
} instance;

static void fail(tk_error *err, tk_status code, const char *message) {
  size_t n = strlen(message);
  if (err == NULL || err->struct_size < sizeof(tk_error)) return;
  if (n >= sizeof err->message) n = sizeof err->message - 1;
  err->code = code;
  memcpy(err->message, message, n);
  err->message[n] = '\0';
}

static char *concat(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *s = malloc(na + nb + 1);
  if (s == NULL) return NULL;
  memcpy(s, a, na);
  memcpy(s + na, b, nb + 1);
  return s;
}

static const tk_option_decl options[] = {
    {sizeof(tk_option_decl), "key", TK_OPTION_STRING, 0, "abi/v1_0", "observation key to report value under"},
    {sizeof(tk_option_decl), "value", TK_OPTION_FLOAT, 0, "1.5", "the number to report at each call"},
};

static void destroy(void *self) {
  instance *in = self;
  if (in == NULL) return;
  free(in->key);
  free(in->seen_key);
  free(in);
}

static tk_status create(const tk_extension_class *cls, const tk_config *config, const tk_host *host, void **out,
                        tk_error *err) {
  const char *key = NULL;
  instance *in = calloc(1, sizeof *in);
  (void)cls;
  if (in == NULL) {
    fail(err, TK_ERR_INTERNAL, "out of memory");
    return TK_ERR_INTERNAL;
  }
  in->host = host;
  if (config->get_str(config, "key", &key) != TK_OK || config->get_f64(config, "value", &in->value) != TK_OK) {
    destroy(in);
    fail(err, TK_ERR_INVALID, "the host did not hand over the declared options");
    return TK_ERR_INVALID;
  }
  in->key = concat(key, "");
  in->seen_key = concat(key, "/loss_seen");
  if (in->key == NULL || in->seen_key == NULL) {
    destroy(in);
    fail(err, TK_ERR_INTERNAL, "out of memory");
    return TK_ERR_INTERNAL;
  }
  *out = in;
  return TK_OK;
}

static tk_status initialize(void *self, const tk_context *ctx, tk_error *err) {
  instance *in = self;
  const tk_log_service *log_service = in->host->get_service(in->host, TK_SERVICE_LOG);
  (void)ctx, (void)err;
  if (log_service != NULL) log_service->log(in->host, TK_LOG_INFO, "built against the frozen ABI 1.0 headers");
  return TK_OK;
}

static tk_status call(void *self, const tk_context *ctx, tk_error *err) {
  instance *in = self;
  double loss = 0;
  const tk_observation_service *obs = in->host->get_service(in->host, TK_SERVICE_OBSERVATION);
  if (obs == NULL || obs->struct_size < sizeof(tk_observation_service)) {
    fail(err, TK_ERR_INTERNAL, "the host offers no " TK_SERVICE_OBSERVATION);
    return TK_ERR_INTERNAL;
  }
  if (obs->report(in->host, in->key, in->value) != TK_OK) {
    fail(err, TK_ERR_INTERNAL, "report failed");
    return TK_ERR_INTERNAL;
  }
  if (ctx->observation != NULL && ctx->observation->find(ctx->observation, "main/loss", &loss) == TK_OK)
    return obs->report(in->host, in->seen_key, 1.0);
  return TK_OK;
}

static const tk_extension_class the_class = {
    sizeof(tk_extension_class),
    "abi_v1_0",
    "reports a constant; a C plugin built against the frozen ABI 1.0 headers",
    "1 iteration",
    TK_PRIORITY_WRITER,
    0,
    options,
    sizeof options / sizeof options[0],
    0,
    0,
    create,
    destroy,
    initialize,
    call,
    NULL, /* on_error */
    NULL, /* finalize */
    NULL, /* visit_state: stateless */
    NULL, /* find_resume_point */
};

static tk_status init(const tk_host *host, tk_error *err) {
  if (host != NULL && host->abi.major == TK_ABI_MAJOR) return TK_OK;
  fail(err, TK_ERR_INVALID, "the host does not speak ABI 1");
  return TK_ERR_INVALID;
}
static void deinit(void) {}
static size_t class_count(void) { return 1; }
static const tk_extension_class *get_class(size_t index) { return index == 0 ? &the_class : NULL; }

static const tk_plugin_descriptor descriptor = {
    sizeof(tk_plugin_descriptor), PLUGIN_ID, "1.0.0", "trainkit tests", NULL,
    "a plain C plugin built against the frozen ABI 1.0 headers", NULL,
};

__attribute__((visibility("default"))) const tk_plugin_entry trainkit_plugin_entry_v1 = {
    sizeof(tk_plugin_entry), TK_ENTRY_MAGIC, {TK_ABI_MAJOR, TK_ABI_MINOR}, &descriptor,
    init, deinit, class_count, get_class,
};
