/* driver_xl — Xen through libxenlight, for Xen hosts (dom0).
 *
 * Thin on purpose: everything that can be decided without Xen lives in
 * pure, tested code — the config mapping and xl's shutdown actions in
 * pmd/xlcfg.c, the migration handshake in pmd/xlmig.c. What is left here
 * are the libxl calls, each long one (create, shutdown, suspend into the
 * migration stream, restore from it) made synchronously in a thread of its
 * own (libxl_ctx is thread-safe), so that the pmd's loop never blocks; a
 * finished operation is queued and signalled through an eventfd (the
 * driver's fd). A watcher thread waits for domain-death events and does
 * what xl's per-domain monitor does (on_poweroff / on_reboot / on_crash).
 *
 * driver_opts:
 *   listen: tcp://0.0.0.0:7411   where to receive migrations
 *   advertise: tcp://IP:7411     address published in pm/<host>/info
 *   config_dir: /etc/xen         where <vm>.cfg is when the spec's image is
 *                                not an absolute path
 *   shutdown_timeout_s: 60       graceful shutdown before destroy
 *   expect_timeout_s: 120        how long a prepared receive waits
 *
 * It needs root in dom0 with xenstored running: elsewhere the driver
 * refuses to start with a clear reason (CI builds it, tests its pure parts).
 */
#include "pmd/xlcfg.h"    /* first: it pins LIBXL_API_VERSION */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pmd/driver.h"
#include "pmd/evqueue.h"
#include "pmd/expect.h"
#include "pmd/tcp.h"
#include "pmd/xlmig.h"

#define XL_MAX_BUSY   256

typedef struct {
    char vm[XGC_NAME_MAX];
    xgc_op_kind_t kind;
} xl_busy_t;

typedef struct {
    libxl_ctx *ctx;
    xentoollog_logger_stdiostream *logger;
    char host[XGC_NAME_MAX];
    char addr[128], config_dir[256];
    double shutdown_timeout_s, expect_timeout_s;
    int listen_fd, evfd;
    pthread_mutex_t lock;
    xgc_evqueue_t events;
    xl_busy_t busy[XL_MAX_BUSY];
    size_t busy_n;
    xgc_expect_table_t expects;
    volatile int stopping;
    pthread_t acceptor, watcher;
    int threads;
} xl_t;

/* One long operation, run in its own thread. */
typedef struct {
    xl_t *xl;
    xgc_op_kind_t kind;
    uint64_t op_id;
    char vm[XGC_NAME_MAX];
    char dest[128];
    libxl_domain_config dc;
    int have_dc;
    int fd;
    int64_t started_ms;
} xl_job_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- shared state (the pmd's thread and the job threads) ----------------- */

static void s_event(xl_t *xl, xgc_op_kind_t kind, const char *vm, uint64_t op_id, int ok,
                    const char *reason, int64_t started_ms)
{
    pthread_mutex_lock(&xl->lock);
    xgc_evqueue_push(&xl->events, kind, vm, op_id, ok, reason, started_ms, s_now_ms());
    pthread_mutex_unlock(&xl->lock);
    uint64_t one = 1;
    if (write(xl->evfd, &one, sizeof one) < 0)
        return;    /* the counter is saturated: the pmd will poll anyway */
}

static void s_busy_set(xl_t *xl, const char *vm, xgc_op_kind_t kind)
{
    pthread_mutex_lock(&xl->lock);
    size_t i = 0;
    while (i < xl->busy_n && strcmp(xl->busy[i].vm, vm) != 0)
        i++;
    if (kind && i == xl->busy_n && xl->busy_n < XL_MAX_BUSY)
        xl->busy_n++;
    if (kind && i < xl->busy_n) {
        snprintf(xl->busy[i].vm, sizeof xl->busy[i].vm, "%s", vm);
        xl->busy[i].kind = kind;
    } else if (!kind && i < xl->busy_n) {
        xl->busy[i] = xl->busy[--xl->busy_n];
    }
    pthread_mutex_unlock(&xl->lock);
}

static xgc_op_kind_t s_busy_get(xl_t *xl, const char *vm)
{
    xgc_op_kind_t k = 0;
    pthread_mutex_lock(&xl->lock);
    for (size_t i = 0; i < xl->busy_n; i++)
        if (strcmp(xl->busy[i].vm, vm) == 0)
            k = xl->busy[i].kind;
    pthread_mutex_unlock(&xl->lock);
    return k;
}

/* Finish a job: event, not busy any more, free it. */
static void *s_job_end(xl_job_t *job, int ok, const char *reason)
{
    s_busy_set(job->xl, job->vm, 0);
    s_event(job->xl, job->kind, job->vm, job->op_id, ok, reason, job->started_ms);
    if (job->have_dc)
        libxl_domain_config_dispose(&job->dc);
    if (job->fd >= 0)
        close(job->fd);
    free(job);
    return NULL;
}

static int s_spawn(xl_job_t *job, void *(*fn)(void *), char *err, size_t errlen)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, fn, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
        return -1;
    }
    s_busy_set(job->xl, job->vm, job->kind);
    return 0;
}

static xl_job_t *s_job(xl_t *xl, xgc_op_kind_t kind, const char *vm, uint64_t op_id)
{
    xl_job_t *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->xl = xl;
    job->kind = kind;
    job->op_id = op_id;
    job->fd = -1;
    job->started_ms = s_now_ms();
    snprintf(job->vm, sizeof job->vm, "%s", vm);
    return job;
}

static int s_domid(xl_t *xl, const char *name, uint32_t *domid)
{
    return libxl_name_to_domid(xl->ctx, name, domid) == 0 ? 0 : -1;
}

/* --- the xlmig machine over a blocking fd ---------------------------------- */

static int s_flush(int fd, xgc_xlmig_t *m)
{
    size_t n;
    const uint8_t *p = xgc_xlmig_out(m, &n);
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        xgc_xlmig_out_consume(m, (size_t)w);
        p = xgc_xlmig_out(m, &n);
    }
    return 0;
}

/* Send what is queued, then read byte by byte (the stream that follows a
 * handshake message belongs to libxl: never read ahead) until an action. */
static xgc_xlmig_act_t s_next(int fd, xgc_xlmig_t *m)
{
    if (s_flush(fd, m) < 0)
        return xgc_xlmig_eof(m);
    uint8_t buf[65536];
    size_t have = 0;
    for (;;) {
        if (have == sizeof buf || recv(fd, buf + have, 1, 0) != 1)
            return xgc_xlmig_eof(m);
        have++;
        size_t used;
        xgc_xlmig_act_t act = xgc_xlmig_feed(m, buf, have, &used);
        if (used) {
            memmove(buf, buf + used, have - used);
            have -= used;
        }
        if (act != XGC_XLMIG_ACT_NONE)
            return act;
    }
}

/* --- migration: sender ------------------------------------------------------ */

static void s_rename(xl_t *xl, uint32_t domid, const char *vm, const char *suffix)
{
    char name[XGC_NAME_MAX + 32];
    snprintf(name, sizeof name, "%s%s", vm, suffix);
    libxl_domain_rename(xl->ctx, domid, NULL, name);
}

/* The sender is in doubt: ask the receiver until it answers H or N. */
static int s_resolve(xl_t *xl, const char *dest, const char *vm)
{
    for (int attempt = 0; !xl->stopping; attempt++) {
        char err[160];
        int fd = xgc_tcp_connect(dest, 0, err, sizeof err);
        xgc_xlmig_t *q = xgc_xlmig_new(XGC_XLMIG_QUERIER, vm);
        xgc_xlmig_act_t act = XGC_XLMIG_ACT_RETRY_QUERY;
        while (fd >= 0 && q && (act = s_next(fd, q)) == XGC_XLMIG_ACT_NONE)
            ;
        if (fd >= 0)
            close(fd);
        xgc_xlmig_destroy(&q);
        if (act == XGC_XLMIG_ACT_DESTROY_LOCAL)
            return 1;
        if (act == XGC_XLMIG_ACT_RESUME_LOCAL)
            return 0;
        sleep(attempt < 10 ? 1 : 5);
    }
    return -1;
}

static void *s_migrate_out_main(void *arg)
{
    xl_job_t *job = arg;
    xl_t *xl = job->xl;
    uint32_t domid;
    if (s_domid(xl, job->vm, &domid) < 0)
        return s_job_end(job, 0, "domain vanished");
    char *json = libxl_domain_config_to_json(xl->ctx, &job->dc);
    xgc_xlmig_t *m = json ? xgc_xlmig_new(XGC_XLMIG_SENDER, json) : NULL;
    free(json);
    if (!m)
        return s_job_end(job, 0, "cannot serialise the domain config");
    const char *reason = "";
    int ok = 0;
    for (;;) {
        xgc_xlmig_act_t act = s_next(job->fd, m);
        if (act == XGC_XLMIG_ACT_SEND_STREAM) {
            if (s_flush(job->fd, m) < 0)
                act = xgc_xlmig_eof(m);
            else
                act = xgc_xlmig_stream_done(m, libxl_domain_suspend(xl->ctx, domid, job->fd,
                                                                    LIBXL_SUSPEND_LIVE, NULL) == 0);
            if (act == XGC_XLMIG_ACT_NONE)
                continue;
        }
        if (act == XGC_XLMIG_ACT_SWITCH) {
            s_rename(xl, domid, job->vm, XGC_XL_MIGRATEDAWAY_SUFFIX);
            continue;
        }
        if (act == XGC_XLMIG_ACT_INDOUBT) {
            int r = s_resolve(xl, job->dest, job->vm);
            act = r == 1 ? XGC_XLMIG_ACT_DESTROY_LOCAL : XGC_XLMIG_ACT_RESUME_LOCAL;
            if (r < 0)
                break;    /* stopping: stays suspended, resolved at the next start */
        }
        if (act == XGC_XLMIG_ACT_DESTROY_LOCAL) {
            libxl_domain_destroy(xl->ctx, domid, NULL);
            ok = 1;
        } else {    /* resume at the source, under its own name */
            libxl_domain_rename(xl->ctx, domid, NULL, job->vm);
            libxl_domain_resume(xl->ctx, domid, 1, NULL);
            reason = xgc_xlmig_reason(m);
        }
        break;
    }
    char why[160];
    snprintf(why, sizeof why, "%s", reason);
    xgc_xlmig_destroy(&m);
    return s_job_end(job, ok, why);
}

/* --- migration: receiver ------------------------------------------------------ */

static int s_take_expect(xl_t *xl, const char *vm, uint64_t *op_id, int64_t *started)
{
    xgc_expect_t e;
    pthread_mutex_lock(&xl->lock);
    int found = xgc_expect_take(&xl->expects, vm, &e);
    pthread_mutex_unlock(&xl->lock);
    if (found) {
        *op_id = e.op_id;
        *started = e.started_ms;
    }
    return found;
}

static char s_query_answer(xl_t *xl, const char *vm)
{
    uint32_t domid;
    char incoming[XGC_NAME_MAX + 32];
    snprintf(incoming, sizeof incoming, "%s%s", vm, XGC_XL_INCOMING_SUFFIX);
    if (s_domid(xl, incoming, &domid) == 0)
        return 'W';
    return s_domid(xl, vm, &domid) == 0 ? 'H' : 'N';
}

/* Restore the stream into a paused <vm>--incoming domain. */
static int s_restore(xl_job_t *job, const char *json, uint32_t *domid)
{
    xl_t *xl = job->xl;
    libxl_domain_config_init(&job->dc);
    job->have_dc = 1;
    if (libxl_domain_config_from_json(xl->ctx, &job->dc, json) != 0)
        return -1;
    snprintf(job->vm, sizeof job->vm, "%s", job->dc.c_info.name ? job->dc.c_info.name : "");
    free(job->dc.c_info.name);
    char name[XGC_NAME_MAX + 32];
    snprintf(name, sizeof name, "%s%s", job->vm, XGC_XL_INCOMING_SUFFIX);
    job->dc.c_info.name = strdup(name);
    libxl_domain_restore_params params;
    libxl_domain_restore_params_init(&params);
    params.stream_version = 2;
    params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
    int rc = libxl_domain_create_restore(xl->ctx, &job->dc, domid, job->fd, job->fd,
                                         &params, NULL, NULL);
    libxl_domain_restore_params_dispose(&params);
    return rc == 0 ? 0 : -1;
}

static void *s_receive_main(void *arg)
{
    xl_job_t *job = arg;
    xl_t *xl = job->xl;
    xgc_xlmig_t *m = xgc_xlmig_new(XGC_XLMIG_RECEIVER, NULL);
    uint32_t domid = 0;
    int have_dom = 0, expected = 0, ok = 0;
    for (xgc_xlmig_act_t act; m && (act = s_next(job->fd, m)) != XGC_XLMIG_ACT_CLOSE; ) {
        if (act == XGC_XLMIG_ACT_QUERY) {
            xgc_xlmig_answer(m, s_query_answer(xl, xgc_xlmig_config(m)));
            s_flush(job->fd, m);
            break;
        }
        if (act == XGC_XLMIG_ACT_RESTORE) {
            libxl_domain_config probe;
            libxl_domain_config_init(&probe);
            int parsed = libxl_domain_config_from_json(xl->ctx, &probe, xgc_xlmig_config(m)) == 0;
            if (parsed && probe.c_info.name)
                expected = s_take_expect(xl, probe.c_info.name, &job->op_id, &job->started_ms);
            if (parsed && probe.c_info.name)
                snprintf(job->vm, sizeof job->vm, "%s", probe.c_info.name);
            libxl_domain_config_dispose(&probe);
            if (!expected) {
                xgc_xlmig_refuse(m, "not expected here");
                break;
            }
            s_busy_set(xl, job->vm, XGC_OP_MIGRATE_IN);
            have_dom = s_restore(job, xgc_xlmig_config(m), &domid) == 0;
            act = xgc_xlmig_stream_done(m, have_dom);
        }
        if (act == XGC_XLMIG_ACT_UNPAUSE) {
            libxl_domain_rename(xl->ctx, domid, NULL, job->vm);
            int rc = libxl_domain_unpause(xl->ctx, domid, NULL);
            xgc_xlmig_unpaused(m, rc);
            s_flush(job->fd, m);
            ok = rc == 0;
            break;
        }
        if (act == XGC_XLMIG_ACT_DESTROY_INCOMING) {
            if (have_dom)
                libxl_domain_destroy(xl->ctx, domid, NULL);
            break;
        }
    }
    char why[160];
    snprintf(why, sizeof why, "%s", m ? xgc_xlmig_reason(m) : "out of memory");
    xgc_xlmig_destroy(&m);
    if (!expected) {    /* a query, or refused: no operation of ours */
        close(job->fd);
        if (job->have_dc)
            libxl_domain_config_dispose(&job->dc);
        free(job);
        return NULL;
    }
    return s_job_end(job, ok, why);
}

static void *s_acceptor_main(void *arg)
{
    xl_t *xl = arg;
    while (!xl->stopping) {
        int fd = accept(xl->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        xl_job_t *job = s_job(xl, XGC_OP_MIGRATE_IN, "", 0);
        char err[160];
        if (!job) {
            close(fd);
            continue;
        }
        job->fd = fd;
        pthread_t t;
        if (pthread_create(&t, NULL, s_receive_main, job) != 0) {
            close(fd);
            free(job);
        } else {
            pthread_detach(t);
        }
        (void)err;
    }
    return NULL;
}

/* --- create, shutdown -------------------------------------------------------- */

static void *s_create_main(void *arg)
{
    xl_job_t *job = arg;
    uint32_t domid;
    if (libxl_domain_create_new(job->xl->ctx, &job->dc, &domid, NULL, NULL) != 0)
        return s_job_end(job, 0, "libxl_domain_create_new failed (see the libxl log)");
    if (libxl_domain_unpause(job->xl->ctx, domid, NULL) != 0)
        return s_job_end(job, 0, "created, but unpause failed");
    return s_job_end(job, 1, "");
}

static void *s_destroy_main(void *arg)
{
    xl_job_t *job = arg;
    xl_t *xl = job->xl;
    uint32_t domid;
    if (s_domid(xl, job->vm, &domid) < 0)
        return s_job_end(job, 1, "already gone");
    if (libxl_domain_shutdown(xl->ctx, domid, NULL) == ERROR_NOPARAVIRT)
        libxl_send_trigger(xl->ctx, domid, LIBXL_TRIGGER_POWER, 0, NULL);
    int64_t end = s_now_ms() + (int64_t)(xl->shutdown_timeout_s * 1000);
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    while (s_now_ms() < end && libxl_domain_info(xl->ctx, &info, domid) == 0 && !info.shutdown) {
        libxl_dominfo_dispose(&info);
        usleep(200000);
    }
    libxl_dominfo_dispose(&info);
    int rc = libxl_domain_destroy(xl->ctx, domid, NULL);
    return s_job_end(job, rc == 0 || rc == ERROR_DOMAIN_NOTFOUND, rc ? "destroy failed" : "");
}

/* --- the guest watcher (xl's per-domain monitor) ----------------------------- */

static void s_on_shutdown(xl_t *xl, uint32_t domid, int reason)
{
    libxl_domain_config dc;
    libxl_domain_config_init(&dc);
    char *name = libxl_domid_to_name(xl->ctx, domid);
    if (!name || libxl_retrieve_domain_configuration(xl->ctx, domid, &dc, NULL) != 0) {
        free(name);
        libxl_domain_config_dispose(&dc);
        return;
    }
    xgc_xlcfg_t cfg = { .on_poweroff = dc.on_poweroff, .on_reboot = dc.on_reboot,
                        .on_crash = dc.on_crash, .on_watchdog = dc.on_watchdog };
    xgc_op_kind_t kind;
    libxl_action_on_shutdown act = xgc_xlcfg_on_shutdown(&cfg, reason, &kind);
    char vm[XGC_NAME_MAX];
    if (kind && xgc_xlcfg_split_name(name, vm, sizeof vm) == XGC_DOM_RUNNING) {
        if (act != LIBXL_ACTION_ON_SHUTDOWN_PRESERVE)
            libxl_domain_destroy(xl->ctx, domid, NULL);
        if (act == LIBXL_ACTION_ON_SHUTDOWN_RESTART ||
            act == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART) {
            uint32_t nd;
            if (libxl_domain_create_new(xl->ctx, &dc, &nd, NULL, NULL) == 0)
                libxl_domain_unpause(xl->ctx, nd, NULL);
        }
        s_event(xl, kind, vm, 0, 1, libxl_action_on_shutdown_to_string(act), 0);
    }
    free(name);
    libxl_domain_config_dispose(&dc);
}

static void *s_watcher_main(void *arg)
{
    xl_t *xl = arg;
    libxl_evgen_domain_death *gens[1024];
    size_t gen_n = 0;
    while (!xl->stopping) {
        int n;
        libxl_dominfo *list = libxl_list_domain(xl->ctx, &n);   /* watch new domains */
        for (int i = 0; list && i < n && gen_n < 1024; i++)
            if (list[i].domid != 0 &&
                libxl_evenable_domain_death(xl->ctx, list[i].domid, list[i].domid,
                                            &gens[gen_n]) == 0)
                gen_n++;
        if (list)
            libxl_dominfo_list_free(list, n);
        libxl_event *ev;
        while (libxl_event_check(xl->ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL) == 0) {
            if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN)
                s_on_shutdown(xl, ev->domid, ev->u.domain_shutdown.shutdown_reason);
            libxl_event_free(xl->ctx, ev);
        }
        for (size_t i = 0; i < gen_n; i++)    /* re-armed on the next round */
            libxl_evdisable_domain_death(xl->ctx, gens[i]);
        gen_n = 0;
        sleep(1);
    }
    return NULL;
}

/* --- the driver class ----------------------------------------------------------- */

static void xl_destroy_instance(void *self)
{
    xl_t *xl = self;
    xl->stopping = 1;
    if (xl->listen_fd >= 0)
        shutdown(xl->listen_fd, SHUT_RDWR);
    if (xl->threads & 1)
        pthread_join(xl->acceptor, NULL);
    if (xl->threads & 2)
        pthread_join(xl->watcher, NULL);
    if (xl->listen_fd >= 0)
        close(xl->listen_fd);
    if (xl->evfd >= 0)
        close(xl->evfd);
    if (xl->ctx)
        libxl_ctx_free(xl->ctx);
    if (xl->logger)
        xtl_logger_destroy((xentoollog_logger *)xl->logger);
    pthread_mutex_destroy(&xl->lock);
    free(xl);
}

static int s_opts(xl_t *xl, const xgc_yaml_node_t *opts, char *listen, size_t llen,
                  char *err, size_t errlen)
{
    static const char *const keys[] = { "listen", "advertise", "config_dir",
                                        "shutdown_timeout_s", "expect_timeout_s", NULL };
    if (!opts)
        return 0;
    if (opts->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, opts, "driver_opts", "must be a mapping");
    if (xgc_yaml_check_keys(opts, keys, "the xl driver's options", err, errlen) < 0)
        return -1;
    const char *const str_keys[] = { "listen", "advertise", "config_dir" };
    char *const str_out[] = { listen, xl->addr, xl->config_dir };
    const size_t str_len[] = { llen, sizeof xl->addr, sizeof xl->config_dir };
    for (int i = 0; i < 3; i++) {
        const xgc_yaml_node_t *n = xgc_yaml_get(opts, str_keys[i]);
        const char *v;
        if (n && xgc_yaml_string(n, str_keys[i], &v, err, errlen) < 0)
            return -1;
        if (n)
            snprintf(str_out[i], str_len[i], "%s", v);
    }
    const xgc_yaml_node_t *n;
    if ((n = xgc_yaml_get(opts, "shutdown_timeout_s")) &&
        xgc_yaml_double(n, "shutdown_timeout_s", &xl->shutdown_timeout_s, err, errlen) < 0)
        return -1;
    if ((n = xgc_yaml_get(opts, "expect_timeout_s")) &&
        xgc_yaml_double(n, "expect_timeout_s", &xl->expect_timeout_s, err, errlen) < 0)
        return -1;
    return 0;
}

static void *xl_create_instance(const xgc_yaml_node_t *opts, const xgc_driver_env_t *env,
                                char *err, size_t errlen)
{
    xl_t *xl = calloc(1, sizeof *xl);
    if (!xl) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&xl->lock, NULL);
    xl->listen_fd = -1;
    xl->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    xl->shutdown_timeout_s = 60;
    xl->expect_timeout_s = 120;
    snprintf(xl->config_dir, sizeof xl->config_dir, "/etc/xen");
    snprintf(xl->host, sizeof xl->host, "%s", env && env->host ? env->host : "");
    char listen[128] = "tcp://0.0.0.0:7411";
    if (s_opts(xl, opts, listen, sizeof listen, err, errlen) < 0) {
        xl_destroy_instance(xl);
        return NULL;
    }
    xl->logger = xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
    if (libxl_ctx_alloc(&xl->ctx, LIBXL_VERSION, 0, (xentoollog_logger *)xl->logger) != 0) {
        xl->ctx = NULL;
        snprintf(err, errlen, "xl driver: cannot open libxenlight (not dom0 of a running Xen, "
                 "or not root)");
        xl_destroy_instance(xl);
        return NULL;
    }
    libxl_childproc_hooks hooks = { .chldowner = libxl_sigchld_owner_libxl_always_selective_reap };
    static libxl_childproc_hooks s_hooks;
    s_hooks = hooks;
    libxl_childproc_setmode(xl->ctx, &s_hooks, NULL);
    xl->listen_fd = xgc_tcp_listen(listen, 0, xl->addr, sizeof xl->addr, err, errlen);
    if (xl->listen_fd < 0 || pthread_create(&xl->acceptor, NULL, s_acceptor_main, xl) != 0) {
        xl_destroy_instance(xl);
        return NULL;
    }
    xl->threads |= 1;
    if (pthread_create(&xl->watcher, NULL, s_watcher_main, xl) == 0)
        xl->threads |= 2;
    return xl;
}

static int xl_host_info(void *self, xgc_host_info_t *out, char *err, size_t errlen)
{
    xl_t *xl = self;
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    if (libxl_get_physinfo(xl->ctx, &pi) != 0) {
        snprintf(err, errlen, "libxl_get_physinfo failed");
        libxl_physinfo_dispose(&pi);
        return -1;
    }
    const libxl_version_info *vi = libxl_get_version_info(xl->ctx);
    double page_mb = (vi ? vi->pagesize : 4096) / 1048576.0;
    out->cores = (int)pi.nr_cpus;
    out->core_mhz = pi.cpu_khz / 1000.0;
    out->cpu_mhz = out->cores * out->core_mhz;
    out->mem_mb = (double)pi.total_pages * page_mb;
    out->free_mem_mb = (double)(pi.free_pages - pi.outstanding_pages) * page_mb;
    snprintf(out->migrate_addr, sizeof out->migrate_addr, "%s", xl->addr);
    libxl_physinfo_dispose(&pi);
    return 0;
}

static double s_core_mhz(xl_t *xl)
{
    xgc_host_info_t hi;
    char err[64];
    return xl_host_info(xl, &hi, err, sizeof err) == 0 && hi.core_mhz > 0 ? hi.core_mhz : 1000;
}

static int xl_list(void *self, xgc_dom_info_t **doms, size_t *count, char *err, size_t errlen)
{
    xl_t *xl = self;
    int n;
    libxl_dominfo *list = libxl_list_domain(xl->ctx, &n);
    if (!list) {
        snprintf(err, errlen, "libxl_list_domain failed");
        return -1;
    }
    *doms = calloc((size_t)n + 1, sizeof **doms);
    double core = s_core_mhz(xl);
    size_t k = 0;
    for (int i = 0; *doms && i < n; i++) {
        if (list[i].domid == 0)
            continue;
        char *name = libxl_domid_to_name(xl->ctx, list[i].domid);
        if (!name)
            continue;
        xgc_dom_info_t *d = &(*doms)[k++];
        d->state = xgc_xlcfg_split_name(name, d->name, sizeof d->name);
        free(name);
        if (d->state == XGC_DOM_RUNNING && (list[i].shutdown || list[i].dying))
            d->state = XGC_DOM_DEAD;
        else if (d->state == XGC_DOM_RUNNING && list[i].paused)
            d->state = XGC_DOM_PAUSED;
        switch (s_busy_get(xl, d->name)) {
        case XGC_OP_CREATE:      d->state = XGC_DOM_CREATING; break;
        case XGC_OP_DESTROY:     d->state = XGC_DOM_STOPPING; break;
        case XGC_OP_MIGRATE_OUT: if (d->state == XGC_DOM_RUNNING) d->state = XGC_DOM_MIGRATING_OUT; break;
        default: break;
        }
        d->cpu_ns = list[i].cpu_time;
        d->vcpus = (int)list[i].vcpu_online;
        d->mem_mb = list[i].current_memkb / 1024.0;
        libxl_domain_sched_params sp;
        libxl_domain_sched_params_init(&sp);
        if (libxl_domain_sched_params_get(xl->ctx, list[i].domid, &sp) == 0) {
            d->weight = sp.weight;
            d->cap_mhz = xgc_driver_cap_mhz(sp.cap, core);
        }
        libxl_domain_sched_params_dispose(&sp);
    }
    libxl_dominfo_list_free(list, n);
    if (!*doms) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *count = k;
    return 0;
}

static int xl_create(void *self, const xgc_vm_spec_t *spec, double cap_mhz, int weight,
                     uint64_t op_id, char *err, size_t errlen)
{
    xl_t *xl = self;
    uint32_t domid;
    if (s_domid(xl, spec->name, &domid) == 0) {
        snprintf(err, errlen, "create %s: a domain of that name exists", spec->name);
        return -1;
    }
    char path[512];
    if (spec->image[0] == '/')
        snprintf(path, sizeof path, "%s", spec->image);
    else
        snprintf(path, sizeof path, "%s/%s", xl->config_dir,
                 spec->image[0] ? spec->image : spec->name);
    if (!spec->image[0])
        strncat(path, ".cfg", sizeof path - strlen(path) - 1);
    xgc_xlcfg_t cfg;
    xl_job_t *job = s_job(xl, XGC_OP_CREATE, spec->name, op_id);
    if (!job || xgc_xlcfg_load(path, &cfg, err, errlen) < 0) {
        free(job);
        return -1;
    }
    job->have_dc = 1;
    if (xgc_xlcfg_to_libxl(&cfg, spec->name, weight,
                           xgc_driver_cap_pct_vcpus(cap_mhz, s_core_mhz(xl), cfg.maxvcpus),
                           &job->dc, err, errlen) < 0 ||
        s_spawn(job, s_create_main, err, errlen) < 0) {
        libxl_domain_config_dispose(&job->dc);
        free(job);
        return -1;
    }
    return 0;
}

static int xl_destroy(void *self, const char *vm, uint64_t op_id, char *err, size_t errlen)
{
    xl_t *xl = self;
    uint32_t domid;
    if (s_domid(xl, vm, &domid) < 0) {
        snprintf(err, errlen, "destroy %s: no such domain", vm);
        return -1;
    }
    xl_job_t *job = s_job(xl, XGC_OP_DESTROY, vm, op_id);
    if (!job || s_spawn(job, s_destroy_main, err, errlen) < 0) {
        free(job);
        return -1;
    }
    return 0;
}

static int xl_set_sched(void *self, const char *vm, int weight, double cap_mhz,
                        char *err, size_t errlen)
{
    xl_t *xl = self;
    uint32_t domid;
    if (s_domid(xl, vm, &domid) < 0) {
        snprintf(err, errlen, "set weight/cap of %s: no such domain", vm);
        return -1;
    }
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    int vcpus = libxl_domain_info(xl->ctx, &info, domid) == 0 ? (int)info.vcpu_max_id + 1 : 0;
    libxl_dominfo_dispose(&info);
    libxl_domain_sched_params sp;
    libxl_domain_sched_params_init(&sp);    /* sched UNKNOWN: the domain's own */
    if (weight > 0)
        sp.weight = weight;
    sp.cap = xgc_driver_cap_pct_vcpus(cap_mhz, s_core_mhz(xl), vcpus);
    int rc = libxl_domain_sched_params_set(xl->ctx, domid, &sp);
    libxl_domain_sched_params_dispose(&sp);
    if (rc != 0) {
        snprintf(err, errlen, "set weight/cap of %s: libxl error %d", vm, rc);
        return -1;
    }
    return 0;
}

static int xl_migrate_out(void *self, const char *vm, const char *dest, uint64_t op_id,
                          char *err, size_t errlen)
{
    xl_t *xl = self;
    uint32_t domid;
    if (s_domid(xl, vm, &domid) < 0) {
        snprintf(err, errlen, "migrate %s: no such domain", vm);
        return -1;
    }
    xl_job_t *job = s_job(xl, XGC_OP_MIGRATE_OUT, vm, op_id);
    if (!job) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(job->dest, sizeof job->dest, "%s", dest);
    libxl_domain_config_init(&job->dc);
    job->have_dc = 1;
    if (libxl_retrieve_domain_configuration(xl->ctx, domid, &job->dc, NULL) != 0) {
        snprintf(err, errlen, "migrate %s: cannot retrieve its configuration", vm);
        libxl_domain_config_dispose(&job->dc);
        free(job);
        return -1;
    }
    job->fd = xgc_tcp_connect(dest, 0, err, errlen);
    if (job->fd < 0 || s_spawn(job, s_migrate_out_main, err, errlen) < 0) {
        if (job->fd >= 0)
            close(job->fd);
        libxl_domain_config_dispose(&job->dc);
        free(job);
        return -1;
    }
    return 0;
}

static int xl_migrate_in(void *self, const xgc_vm_spec_t *spec, uint64_t op_id,
                         char *addr, size_t addrlen, char *err, size_t errlen)
{
    xl_t *xl = self;
    uint32_t domid;
    if (s_domid(xl, spec->name, &domid) == 0) {
        snprintf(err, errlen, "receive %s: a domain of that name is here", spec->name);
        return -1;
    }
    xgc_expect_t old;
    pthread_mutex_lock(&xl->lock);
    int rc = xgc_expect_put(&xl->expects, spec->name, op_id, s_now_ms(),
                            (int64_t)(xl->expect_timeout_s * 1000), &old);
    pthread_mutex_unlock(&xl->lock);
    if (rc < 0) {
        snprintf(err, errlen, "receive %s: too many expected migrations", spec->name);
        return -1;
    }
    if (rc == 1)
        s_event(xl, XGC_OP_MIGRATE_IN, spec->name, old.op_id, 0, "superseded", old.started_ms);
    snprintf(addr, addrlen, "%s", xl->addr);
    return 0;
}

static int xl_fd(void *self)
{
    return ((xl_t *)self)->evfd;
}

static size_t xl_poll(void *self, xgc_drv_event_t *out, size_t max)
{
    xl_t *xl = self;
    uint64_t count;
    if (read(xl->evfd, &count, sizeof count) < 0)
        count = 0;    /* nothing signalled; the queue is checked anyway */
    xgc_expect_t expired[XGC_EXPECT_MAX];
    pthread_mutex_lock(&xl->lock);
    size_t ex = xgc_expect_expire(&xl->expects, s_now_ms(), expired, XGC_EXPECT_MAX);
    pthread_mutex_unlock(&xl->lock);
    for (size_t i = 0; i < ex; i++)
        s_event(xl, XGC_OP_MIGRATE_IN, expired[i].vm, expired[i].op_id, 0,
                "nothing arrived before the timeout", expired[i].started_ms);
    pthread_mutex_lock(&xl->lock);
    size_t n = xgc_evqueue_pop(&xl->events, out, max);
    pthread_mutex_unlock(&xl->lock);
    return n;
}

const xgc_driver_class_t xgc_driver_xl = {
    .name = "xl",
    .create_instance = xl_create_instance,
    .destroy_instance = xl_destroy_instance,
    .host_info = xl_host_info,
    .list = xl_list,
    .create = xl_create,
    .destroy = xl_destroy,
    .set_sched = xl_set_sched,
    .migrate_out = xl_migrate_out,
    .migrate_in = xl_migrate_in,
    .fd = xl_fd,
    .poll = xl_poll,
};
