/* A plugin written in plain C against the frozen copy of the ABI 1.1 headers (tests/abi/v1_1/) and nothing
 * else. It uses what 1.1 added: a TK_OPTION_CHOICE option and tk_config.out_dir.
 *
 * Class abi_v1_1: option side (choice "left" | "right", default "left"). Each call reports
 * "abi/v1_1/<side>" = 1, and "abi/v1_1/out_dir_known" = 1 when the out_dir its config held at create is the
 * one the call's context names. */
#include <stdlib.h>
#include <string.h>

#include <trainkit/abi.h>

/* The frozen headers have the v1.1 layout; the same table checks the current ones (layout_check.c). */
#define TK_ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), "frozen v1.1: sizeof(" #type ")");
#define TK_ABI_OFFSET(type, member, offset) \
  _Static_assert(offsetof(type, member) == (offset), "frozen v1.1: offsetof(" #type ", " #member ")");
#define TK_ABI_CONSTANT(name, value) _Static_assert((name) == (value), "frozen v1.1: " #name);
#include "layout_v1_1.inc"
_Static_assert(TK_ABI_MAJOR == 1 && TK_ABI_MINOR == 1, "tests/abi/v1_1 must hold the 1.1 headers");

#define PLUGIN_ID "org.trainkit.test.abi_v1_1"

__attribute__((section(TK_PLUGIN_SECTION_NAME), used)) static const char plugin_marker[] = "trainkit plugin ABI 1";

typedef struct instance {
  const tk_host *host;
  char *side_key;
  char *out_dir; /* copied at create: the config's strings live as long as the view, this as the instance */
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

static const char *const sides[] = {"left", "right"};

static const tk_option_decl options[] = {
    {sizeof(tk_option_decl), "side", TK_OPTION_CHOICE, 0, "left", "which key to report", sides,
     sizeof sides / sizeof sides[0]},
};

static void destroy(void *self) {
  instance *in = self;
  if (in == NULL) return;
  free(in->side_key);
  free(in->out_dir);
  free(in);
}

static tk_status create(const tk_extension_class *cls, const tk_config *config, const tk_host *host, void **out,
                        tk_error *err) {
  const char *side = NULL;
  instance *in = calloc(1, sizeof *in);
  (void)cls;
  if (in == NULL) {
    fail(err, TK_ERR_INTERNAL, "out of memory");
    return TK_ERR_INTERNAL;
  }
  in->host = host;
  if (config->get_str(config, "side", &side) != TK_OK || !TK_HAS_MEMBER(tk_config, config, out_dir) ||
      config->out_dir == NULL) {
    destroy(in);
    fail(err, TK_ERR_INVALID, "the host did not hand over the choice and the out folder");
    return TK_ERR_INVALID;
  }
  in->side_key = concat("abi/v1_1/", side);
  in->out_dir = concat(config->out_dir, "");
  if (in->side_key == NULL || in->out_dir == NULL) {
    destroy(in);
    fail(err, TK_ERR_INTERNAL, "out of memory");
    return TK_ERR_INTERNAL;
  }
  *out = in;
  return TK_OK;
}

static tk_status call(void *self, const tk_context *ctx, tk_error *err) {
  instance *in = self;
  const tk_observation_service *obs = in->host->get_service(in->host, TK_SERVICE_OBSERVATION);
  if (obs == NULL || obs->report(in->host, in->side_key, 1.0) != TK_OK) {
    fail(err, TK_ERR_INTERNAL, "report failed");
    return TK_ERR_INTERNAL;
  }
  if (ctx->out_dir != NULL && strcmp(ctx->out_dir, in->out_dir) == 0)
    return obs->report(in->host, "abi/v1_1/out_dir_known", 1.0);
  return TK_OK;
}

static const tk_extension_class the_class = {
    sizeof(tk_extension_class),
    "abi_v1_1",
    "reports which side was chosen; a C plugin built against the frozen ABI 1.1 headers",
    "1 iteration",
    TK_PRIORITY_WRITER,
    0,
    options,
    sizeof options / sizeof options[0],
    0,
    0,
    create,
    destroy,
    NULL, /* initialize */
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
static size_t class_count(void) { return 1; }
static const tk_extension_class *get_class(size_t index) { return index == 0 ? &the_class : NULL; }

static const tk_plugin_descriptor descriptor = {
    sizeof(tk_plugin_descriptor), PLUGIN_ID, "1.1.0", "trainkit tests", NULL,
    "a plain C plugin built against the frozen ABI 1.1 headers", NULL,
};

__attribute__((visibility("default"))) const tk_plugin_entry trainkit_plugin_entry_v1 = {
    sizeof(tk_plugin_entry), TK_ENTRY_MAGIC, {TK_ABI_MAJOR, TK_ABI_MINOR}, &descriptor,
    init, NULL, class_count, get_class,
};
