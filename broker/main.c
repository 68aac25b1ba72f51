/* xgc-broker — the bus: the events proxy (proxy.c, its own thread) and the
 * durable state store served after the Clone pattern (clone.c, this
 * thread). One broker per data_dir: a lock file refuses a second one. */
#include <czmq.h>
#include <sys/file.h>

#include "broker/clone.h"
#include "broker/proxy.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_security.h"

static const char *s_usage =
    "usage: xgc-broker [-c FILE.yaml] [--compact-bytes N]\n"
    "The xgc bus: events pub/sub proxy and the durable state store, on\n"
    "broker.endpoint and the 4 ports after it; state under <data_dir>/broker.\n"
    "  --compact-bytes N       compact the journal past N bytes (default 64 MiB)\n";

/* Hold an exclusive lock on <data_dir>/broker/lock for the process's life. */
static int s_lock(const xgc_config_t *cfg)
{
    if (zsys_dir_create("%s/broker", cfg->data_dir) < 0) {
        xgc_log_error("cannot create %s/broker: %s", cfg->data_dir, strerror(errno));
        return -1;
    }
    char path[XGC_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/broker/lock", cfg->data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
        xgc_log_error("another broker holds %s: %s", path, strerror(errno));
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    long long compact_bytes = 64LL << 20;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "--compact-bytes") && i + 1 < argc)
            compact_bytes = strtoll(argv[++i], &end, 10);
        if (!end || *end || compact_bytes < 1) {
            fprintf(stderr, "xgc-broker: bad argument '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    xgc_log_init("broker", NULL);
    /* One I/O thread (czmq's default): measured better than two on 2 cores,
     * where the proxy thread and the state loop already compete for them
     * (docs/benchmarks/bus.md). */
    zsys_set_io_threads(1);
    int lock = s_lock(cfg);
    char err[512] = "";
    /* security: zauth + CURVE keys before any socket exists (xgc_security.h) */
    xgc_security_server_t *sec = lock >= 0 ? xgc_security_server_new(cfg, err, sizeof err) : NULL;
    xgc_proxy_t *proxy = sec ? xgc_proxy_new(cfg, err, sizeof err) : NULL;
    xgc_clone_t *clone = proxy ? xgc_clone_new(cfg, proxy, err, sizeof err) : NULL;
    int rc = 1;
    if (clone) {
        xgc_clone_set_compact_bytes(clone, (uint64_t)compact_bytes);
        xgc_log_info("broker started endpoint=%s data_dir=%s epoch=%" PRIu64,
                     cfg->broker_endpoint, cfg->data_dir, xgc_clone_epoch(clone));
        rc = xgc_clone_run(clone) < 0 ? 1 : 0;
        xgc_log_info("broker stopped");
    }
    else
    if (*err)
        xgc_log_error("cannot start: %s", err);
    xgc_clone_destroy(&clone);
    xgc_proxy_destroy(&proxy);
    xgc_security_server_destroy(&sec);
    if (lock >= 0)
        close(lock);
    xgc_config_destroy(&cfg);
    return rc;
}
