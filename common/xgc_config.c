/* xgc_config — see xgc_config.h. A thin layer over xgc_yaml: check the keys
 * this module owns, fill the struct, keep the other sections' nodes. */
#include "xgc_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_log.h"

static const char s_default_text[] =
#include "xgc_demo_yaml.inc"
    ;

#define S_DEFAULT_NAME "<embedded demo.yaml>"

const char *xgc_config_default_text(void)
{
    return s_default_text;
}

/* A string field copied into a buffer, refused if empty or too long. */
static int s_copy(const xgc_yaml_node_t *node, const char *field, char *out, size_t outlen,
                  char *err, size_t errlen)
{
    const char *value;
    if (xgc_yaml_string(node, field, &value, err, errlen) < 0)
        return -1;
    if (!*value)
        return xgc_yaml_error(err, errlen, node, field, "must not be empty");
    if (strlen(value) >= outlen)
        return xgc_yaml_error(err, errlen, node, field, "longer than %zu characters",
                              outlen - 1);
    strcpy(out, value);
    return 0;
}

static int s_cluster(xgc_config_t *self, const xgc_yaml_node_t *root, char *err, size_t errlen)
{
    const xgc_yaml_node_t *node = xgc_yaml_get(root, "cluster");
    if (!node)
        return xgc_yaml_error(err, errlen, root, "cluster", "missing");
    if (s_copy(node, "cluster", self->cluster, sizeof self->cluster, err, errlen) < 0)
        return -1;
    for (const char *c = self->cluster; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_.-", *c))
            return xgc_yaml_error(err, errlen, node, "cluster",
                                  "'%s' may hold only letters, digits, '_', '.', '-'",
                                  self->cluster);
    return 0;
}

/* tcp://HOST:PORT, with room for the XGC_PORT_COUNT ports. */
static int s_endpoint(xgc_config_t *self, const xgc_yaml_node_t *node, char *err, size_t errlen)
{
    if (s_copy(node, "endpoint", self->broker_endpoint, sizeof self->broker_endpoint,
               err, errlen) < 0)
        return -1;
    const char *ep = self->broker_endpoint;
    const char *colon = strrchr(ep, ':');
    if (strncmp(ep, "tcp://", 6) != 0 || !colon || colon < ep + 7)
        return xgc_yaml_error(err, errlen, node, "endpoint",
                              "'%s' is not tcp://HOST:PORT", ep);
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || errno || port < 1 || port > 65535 - (XGC_PORT_COUNT - 1))
        return xgc_yaml_error(err, errlen, node, "endpoint",
                              "port must be 1..%d (the broker uses %d ports from it)",
                              65535 - (XGC_PORT_COUNT - 1), XGC_PORT_COUNT);
    self->broker_port = (int)port;
    snprintf(self->broker_host, sizeof self->broker_host, "%.*s", (int)(colon - ep - 6), ep + 6);
    return 0;
}

static int s_broker(xgc_config_t *self, const xgc_yaml_node_t *root, char *err, size_t errlen)
{
    static const char *const keys[] = {"endpoint", "max_msg_bytes", NULL};
    const xgc_yaml_node_t *broker = xgc_yaml_get(root, "broker");
    if (!broker)
        return xgc_yaml_error(err, errlen, root, "broker", "missing");
    if (xgc_yaml_check_keys(broker, keys, "broker", err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *node = xgc_yaml_get(broker, "endpoint");
    if (!node)
        return xgc_yaml_error(err, errlen, broker, "endpoint", "missing");
    if (s_endpoint(self, node, err, errlen) < 0)
        return -1;
    self->max_msg_bytes = XGC_MAX_MSG_BYTES_DEFAULT;
    node = xgc_yaml_get(broker, "max_msg_bytes");
    if (node && xgc_yaml_long(node, "max_msg_bytes", &self->max_msg_bytes, err, errlen) < 0)
        return -1;
    if (self->max_msg_bytes < 1024 || self->max_msg_bytes > (1L << 30))
        return xgc_yaml_error(err, errlen, node, "max_msg_bytes", "must be 1024..%ld",
                              1L << 30);
    return 0;
}

static int s_log(xgc_config_t *self, const xgc_yaml_node_t *root, char *err, size_t errlen)
{
    static const char *const keys[] = {"level", NULL};
    static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
    const xgc_yaml_node_t *log = xgc_yaml_get(root, "log");
    if (!log)
        return 0;
    if (xgc_yaml_check_keys(log, keys, "log", err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *node = xgc_yaml_get(log, "level");
    if (!node)
        return 0;
    if (s_copy(node, "level", self->log_level, sizeof self->log_level, err, errlen) < 0)
        return xgc_yaml_error(err, errlen, node, "level", "must be error, warn, info or debug");
    for (int i = 0; levels[i]; i++)
        if (strcmp(levels[i], self->log_level) == 0)
            return 0;
    return xgc_yaml_error(err, errlen, node, "level", "'%s' is not error, warn, info or debug",
                          self->log_level);
}

static int s_check(xgc_config_t *self, char *err, size_t errlen)
{
    static const char *const keys[] = {"cluster", "data_dir", "broker", "log", "scheduler",
                                       "pms", "vms", "security", "injectors", "metrics", NULL};
    const xgc_yaml_node_t *root = self->root;
    if (root->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, root, NULL, "a deployment must be a mapping");
    if (xgc_yaml_check_keys(root, keys, "the deployment", err, errlen) < 0
        || s_cluster(self, root, err, errlen) < 0 || s_broker(self, root, err, errlen) < 0
        || s_log(self, root, err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *node = xgc_yaml_get(root, "data_dir");
    if (node) {
        if (s_copy(node, "data_dir", self->data_dir, sizeof self->data_dir, err, errlen) < 0)
            return -1;
    } else {
        snprintf(self->data_dir, sizeof self->data_dir, "/var/tmp/xgc/%s", self->cluster);
    }
    self->scheduler = xgc_yaml_get(root, "scheduler");
    self->pms = xgc_yaml_get(root, "pms");
    self->vms = xgc_yaml_get(root, "vms");
    self->security = xgc_yaml_get(root, "security");
    self->injectors = xgc_yaml_get(root, "injectors");
    self->metrics = xgc_yaml_get(root, "metrics");
    return 0;
}

static xgc_config_t *s_finish(xgc_yaml_node_t *root, const char *name, char *err, size_t errlen)
{
    if (!root)
        return NULL;
    xgc_config_t *self = calloc(1, sizeof *self);
    if (!self) {
        xgc_yaml_destroy(&root);
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    self->root = root;
    snprintf(self->path, sizeof self->path, "%s", name);
    if (s_check(self, err, errlen) < 0)
        xgc_config_destroy(&self);
    return self;
}

xgc_config_t *xgc_config_load(const char *path, char *err, size_t errlen)
{
    return s_finish(xgc_yaml_load_file(path, err, errlen), path, err, errlen);
}

xgc_config_t *xgc_config_load_string(const char *text, size_t len, const char *name,
                                     char *err, size_t errlen)
{
    return s_finish(xgc_yaml_load_string(text, len, name, err, errlen), name, err, errlen);
}

xgc_config_t *xgc_config_load_default(char *err, size_t errlen)
{
    return xgc_config_load_string(s_default_text, sizeof s_default_text - 1, S_DEFAULT_NAME,
                                  err, errlen);
}

void xgc_config_destroy(xgc_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_yaml_destroy(&(*self_p)->root);
    free(*self_p);
    *self_p = NULL;
}

static int s_format(const char *host, int port, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "tcp://%s:%d", host, port);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int xgc_config_bind_endpoint(const xgc_config_t *self, int offset, char *out, size_t outlen)
{
    if (offset < 0 || offset >= XGC_PORT_COUNT)
        return -1;
    return s_format(self->broker_host, self->broker_port + offset, out, outlen);
}

int xgc_config_endpoint(const xgc_config_t *self, int offset, char *out, size_t outlen)
{
    if (offset < 0 || offset >= XGC_PORT_COUNT)
        return -1;
    const char *host = self->broker_host;
    if (!strcmp(host, "*") || !strcmp(host, "0.0.0.0"))
        host = "127.0.0.1";
    return s_format(host, self->broker_port + offset, out, outlen);
}

/* ---- Command line ----------------------------------------------------- */

/* Remove argv[i .. i+n) keeping the rest in order. */
static void s_remove(int *argc, char **argv, int i, int n)
{
    memmove(argv + i, argv + i + n, (size_t)(*argc - i - n + 1) * sizeof *argv);
    *argc -= n;
}

xgc_config_t *xgc_config_from_args(int *argc, char **argv, int *help, char *err, size_t errlen)
{
    const char *path = NULL;
    *help = 0;
    for (int i = 1; i < *argc;) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            *help = 1;
            return NULL;
        } else if (!strcmp(arg, "-c") || !strcmp(arg, "--config")) {
            if (i + 1 >= *argc) {
                snprintf(err, errlen, "option %s needs a file", arg);
                return NULL;
            }
            path = argv[i + 1];
            s_remove(argc, argv, i, 2);
        } else if (!strncmp(arg, "--config=", 9)) {
            path = arg + 9;
            s_remove(argc, argv, i, 1);
        } else {
            i++;
        }
    }
    if (!path)
        path = getenv("XGC_CONFIG");
    if (path && *path)
        return xgc_config_load(path, err, errlen);
    return xgc_config_load_default(err, errlen);
}

xgc_config_t *xgc_config_load_arg(int *argc, char **argv, const char *usage)
{
    char err[XGC_ERR_MAX];
    int help;
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    xgc_config_t *self = xgc_config_from_args(argc, argv, &help, err, sizeof err);
    if (help) {
        printf("%s%s", usage ? usage : "", XGC_CONFIG_USAGE);
        exit(0);
    }
    if (!self) {
        fprintf(stderr, "%s: %s\n", prog, err);
        exit(2);
    }
    if (self->log_level[0] && !getenv("XGC_LOG"))
        xgc_log_set_level_name(self->log_level);
    return self;
}
