/* xgc_config — the deployment file every xgc binary reads (`-c FILE.yaml`).
 *
 *   cluster: demo                      # [A-Za-z0-9_.-], 1..63 chars
 *   data_dir: /var/tmp/xgc/demo        # optional; default /var/tmp/xgc/<cluster>
 *   broker:
 *     endpoint: tcp://127.0.0.1:7700   # the base port, see below
 *     max_msg_bytes: 1048576           # optional; largest frame any socket accepts
 *   log:
 *     level: info                      # optional; $XGC_LOG overrides it
 *   scheduler: ...  pms: ...  vms: ...  security: ...  injectors: ...  metrics: ...
 *
 * This module checks the top level and `broker:`, and keeps the other
 * sections as YAML nodes for their own loaders (xgc_model_load_pms/vms,
 * the scheduler's, ...), which report errors the same way. Unknown keys are
 * refused. Every error reads "file:line:col: field 'name': reason"; binaries
 * print it and exit with status 2.
 *
 * The broker listens on five consecutive TCP ports from the base:
 */
#ifndef XGC_CONFIG_H
#define XGC_CONFIG_H

#include <stddef.h>

#include "xgc_model.h"
#include "xgc_yaml.h"

#define XGC_PORT_STATE   0   /* ROUTER: state requests (snapshot, set, del) and acks */
#define XGC_PORT_UPDATES 1   /* PUB: sequenced state updates */
#define XGC_PORT_EV_IN   2   /* XSUB: event publishers connect here */
#define XGC_PORT_EV_OUT  3   /* XPUB: event subscribers connect here */
#define XGC_PORT_TAP     4   /* PUB: copy of events + updates for `xgc tail` */
#define XGC_PORT_COUNT   5

#define XGC_PATH_MAX 256
#define XGC_MAX_MSG_BYTES_DEFAULT (1L << 20)

typedef struct {
    char cluster[XGC_NAME_MAX];
    char data_dir[XGC_PATH_MAX];
    char broker_endpoint[XGC_PATH_MAX];   /* as written: tcp://host:port */
    char broker_host[XGC_PATH_MAX];       /* host part ("127.0.0.1", "*") */
    int broker_port;                       /* base port */
    long max_msg_bytes;                    /* ZMQ_MAXMSGSIZE for receiving sockets */
    char log_level[16];                    /* "" when not set */
    char path[XGC_PATH_MAX];               /* file it came from ("<demo>" if embedded) */
    /* The other sections, NULL when absent; owned by `root`. */
    const xgc_yaml_node_t *scheduler, *pms, *vms, *security, *injectors, *metrics;
    xgc_yaml_node_t *root;
} xgc_config_t;

/* Load and check a deployment file / text. NULL + err on any error. */
xgc_config_t *xgc_config_load(const char *path, char *err, size_t errlen);
xgc_config_t *xgc_config_load_string(const char *text, size_t len, const char *name,
                                     char *err, size_t errlen);
/* The embedded default deployment (config/demo.yaml at build time). */
xgc_config_t *xgc_config_load_default(char *err, size_t errlen);
const char *xgc_config_default_text(void);
void xgc_config_destroy(xgc_config_t **self_p);

/* "tcp://<host>:<base + offset>" for one of the XGC_PORT_* sockets, to
 * connect to (a host of "*" or "0.0.0.0" becomes 127.0.0.1). Returns 0, or
 * -1 if it does not fit. */
int xgc_config_endpoint(const xgc_config_t *self, int offset, char *out, size_t outlen);
/* Same, to bind (the host as written). */
int xgc_config_bind_endpoint(const xgc_config_t *self, int offset, char *out, size_t outlen);

/* Options every binary shares, for its --help text. */
#define XGC_CONFIG_USAGE                                                         \
    "  -c, --config FILE.yaml  deployment file (default: $XGC_CONFIG, else the\n" \
    "                          embedded demo deployment)\n"                      \
    "  -h, --help              this help\n"

/* Command-line front end for every binary: removes `-c FILE`, `--config
 * FILE`, `--config=FILE` from argv (argc updated, other arguments kept in
 * order) and loads that file, else $XGC_CONFIG, else the embedded default.
 * If argv holds -h or --help, returns NULL with *help set (argv untouched
 * otherwise). On error returns NULL with the message in err.
 * Returns the loaded config. */
xgc_config_t *xgc_config_from_args(int *argc, char **argv, int *help,
                                   char *err, size_t errlen);

/* The same for a main(): prints `usage` (plus XGC_CONFIG_USAGE) and exits
 * 0 on --help; prints "<prog>: <error>" and exits 2 on an error. */
xgc_config_t *xgc_config_load_arg(int *argc, char **argv, const char *usage);

#endif
