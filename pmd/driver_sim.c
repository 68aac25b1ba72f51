/* driver_sim — a simulated hypervisor inside the pmd, so that a laptop can
 * run hundreds of PMs. Domains are records with a CPU-time counter driven
 * by a load model; operations take the seed's measured times (create
 * ≈ 40 s, live migration ≈ 20 s, or memory / bandwidth), all divided by a
 * time factor. Live migration between two pmds is real: the VM travels over
 * TCP with xl's handshake (pmd/xlmig.h), so it runs on exactly one side
 * except for the switch-over, and a pmd killed mid-migration is resolved
 * as xl + the in-doubt query. The domains survive a pmd restart in a state
 * file (as Xen's domains survive xl), which the next pmd adopts.
 *
 * driver_opts (all optional):
 *   time_factor: 1        simulated seconds per real second
 *   create_s: 40          destroy_s: 2        wake_s: 60
 *   migrate_s: 20         or bandwidth_mbps: N (migration = mem·8/N s)
 *   load: 0.5             demand as a fraction of the VM's max_mhz (until
 *                         a load is injected)
 *   cores, core_mhz, mem_mb   capacity (default: the PM's spec, or 4 × 2000
 *                         MHz, 8192 MB)
 *   listen: tcp://127.0.0.1:0   where to receive migrations (port 0: any)
 *   advertise: tcp://host:port  address to publish instead
 *   state_file: PATH      default <state_dir>/sim-<host>.state
 *   expect_timeout_s: 60  how long a prepared receive waits (real seconds)
 * A VM whose spec image is "sim:fail" fails to create (for tests).
 */
#define _GNU_SOURCE    /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pmd/driver.h"
#include "pmd/expect.h"
#include "pmd/tcp.h"
#include "pmd/xlmig.h"

#define SIM_MAX_DOMS   512
#define SIM_MAX_CONNS  64
#define SIM_MAX_EVENTS 256
#define SIM_BUF        4096
#define SIM_RECORD     "XGCSIMST"    /* the simulated stream: magic + cpu_ns */
#define SIM_RECORD_LEN 16

typedef struct {
    xgc_dom_info_t info;
    double load;             /* injected demand in MHz; < 0 = model */
    double max_mhz;
    int fail_create;
    int64_t due_ms;          /* end of a create / destroy */
    int64_t op_started_ms;
    uint64_t op_id;
    char peer_addr[128];     /* INDOUBT: where it went */
    int64_t query_at_ms;     /* INDOUBT: next query (0 = one running) */
    double cpu_rem_ns;
} s_dom_t;

typedef struct {
    int fd;
    int connecting;
    xgc_xlmig_t *mig;
    char vm[XGC_NAME_MAX];
    char addr[128];
    uint64_t op_id;
    int64_t started_ms, deadline_ms, stream_due_ms;
    uint8_t in[SIM_BUF];
    size_t in_len;
    uint8_t out[SIM_BUF];
    size_t out_len;
    int closing;
} s_conn_t;

typedef struct {
    char host[XGC_NAME_MAX];
    char state_path[512];
    double time_factor, create_s, migrate_s, destroy_s, wake_s;
    double bandwidth_mbps, load_frac, expect_timeout_s;
    int cores;
    double core_mhz, mem_mb;
    int listen_fd, epfd;
    char addr[128];
    s_dom_t *doms[SIM_MAX_DOMS];
    size_t dom_n;
    s_conn_t *conns[SIM_MAX_CONNS];
    size_t conn_n;
    xgc_expect_table_t expects;
    xgc_drv_event_t events[SIM_MAX_EVENTS];
    size_t event_n;
    int64_t last_ms;
    int off;
    int64_t wake_due_ms;     /* > 0 while waking */
} sim_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Real milliseconds for simulated seconds. */
static int64_t s_real_ms(const sim_t *sim, double sim_s)
{
    return (int64_t)llround(sim_s * 1000.0 / sim->time_factor);
}

/* --- events, domains ---------------------------------------------------- */

static void s_event(sim_t *sim, xgc_op_kind_t kind, const char *vm, uint64_t op_id,
                    int ok, const char *reason, int64_t started_ms)
{
    if (sim->event_n == SIM_MAX_EVENTS)
        memmove(sim->events, sim->events + 1, --sim->event_n * sizeof *sim->events);
    xgc_drv_event_t *e = &sim->events[sim->event_n++];
    memset(e, 0, sizeof *e);
    e->op_id = op_id;
    e->kind = kind;
    e->ok = ok;
    snprintf(e->vm, sizeof e->vm, "%s", vm);
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
    e->elapsed_ms = started_ms ? s_now_ms() - started_ms : 0;
}

static s_dom_t *s_find(sim_t *sim, const char *vm)
{
    for (size_t i = 0; i < sim->dom_n; i++)
        if (strcmp(sim->doms[i]->info.name, vm) == 0)
            return sim->doms[i];
    return NULL;
}

static s_dom_t *s_add(sim_t *sim, const char *vm)
{
    if (sim->dom_n == SIM_MAX_DOMS)
        return NULL;
    s_dom_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    snprintf(d->info.name, sizeof d->info.name, "%s", vm);
    d->info.vcpus = 1;
    d->info.weight = 256;
    d->load = -1;
    sim->doms[sim->dom_n++] = d;
    return d;
}

static void s_remove(sim_t *sim, s_dom_t *d)
{
    for (size_t i = 0; i < sim->dom_n; i++)
        if (sim->doms[i] == d) {
            sim->doms[i] = sim->doms[--sim->dom_n];
            free(d);
            return;
        }
}

static double s_used_mem(const sim_t *sim)
{
    double m = 0;
    for (size_t i = 0; i < sim->dom_n; i++)
        m += sim->doms[i]->info.mem_mb;
    return m;
}

/* --- the state file: what survives a pmd restart ------------------------ */

static void s_save(sim_t *sim)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", sim->state_path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "sim: cannot write %s: %s\n", tmp, strerror(errno));
        return;
    }
    fprintf(f, "power %d\naddr %s\n", sim->off, sim->addr);
    for (size_t i = 0; i < sim->dom_n; i++) {
        const s_dom_t *d = sim->doms[i];
        const char *st;
        switch (d->info.state) {
        case XGC_DOM_CREATING: st = "creating"; break;
        case XGC_DOM_INDOUBT:  st = "indoubt"; break;
        case XGC_DOM_STOPPING: st = "stopping"; break;
        case XGC_DOM_MIGRATING_IN: case XGC_DOM_DEAD: continue;   /* not ours yet / gone */
        default:               st = "running"; break;
        }
        fprintf(f, "dom %s %s %llu %d %.0f %.3f %d %.3f %.3f %d %s\n", d->info.name, st,
                (unsigned long long)d->info.cpu_ns, d->info.vcpus, d->info.mem_mb,
                d->info.cap_mhz, d->info.weight, d->load, d->max_mhz, d->fail_create,
                d->peer_addr[0] ? d->peer_addr : "-");
    }
    if (fclose(f) != 0 || rename(tmp, sim->state_path) != 0)
        fprintf(stderr, "sim: cannot replace %s: %s\n", sim->state_path, strerror(errno));
}

/* The migration address the previous run listened on (its state file). */
static int s_saved_addr(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    char line[256], addr[128];
    int rc = -1;
    while (f && rc < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "addr %127s", addr) == 1) {
            snprintf(out, outlen, "%s", addr);
            rc = 0;
        }
    if (f)
        fclose(f);
    return rc;
}

static void s_load(sim_t *sim)
{
    FILE *f = fopen(sim->state_path, "r");
    if (!f)
        return;
    char line[512];
    int64_t now = s_now_ms();
    while (fgets(line, sizeof line, f)) {
        char name[XGC_NAME_MAX], st[16], peer[128];
        unsigned long long cpu;
        int vcpus, weight, fail, off;
        double mem, cap, load, max;
        if (sscanf(line, "power %d", &off) == 1) {
            sim->off = off;
            continue;
        }
        if (sscanf(line, "dom %63s %15s %llu %d %lf %lf %d %lf %lf %d %127s", name, st, &cpu,
                   &vcpus, &mem, &cap, &weight, &load, &max, &fail, peer) != 11)
            continue;
        s_dom_t *d = s_add(sim, name);
        if (!d)
            break;
        d->info.cpu_ns = cpu;
        d->info.vcpus = vcpus;
        d->info.mem_mb = mem;
        d->info.cap_mhz = cap;
        d->info.weight = weight;
        d->load = load;
        d->max_mhz = max;
        d->fail_create = fail;
        if (strcmp(peer, "-") != 0)
            snprintf(d->peer_addr, sizeof d->peer_addr, "%s", peer);
        if (strcmp(st, "creating") == 0) {
            d->info.state = XGC_DOM_CREATING;
            d->due_ms = now + s_real_ms(sim, sim->create_s);
        } else if (strcmp(st, "stopping") == 0) {
            d->info.state = XGC_DOM_STOPPING;
            d->due_ms = now + s_real_ms(sim, sim->destroy_s);
        } else if (strcmp(st, "indoubt") == 0) {
            d->info.state = XGC_DOM_INDOUBT;
            d->query_at_ms = now;
        }
    }
    fclose(f);
}

/* --- CPU accounting -------------------------------------------------- */

static int s_consumes(const s_dom_t *d)
{
    return d->info.state == XGC_DOM_RUNNING || d->info.state == XGC_DOM_MIGRATING_OUT;
}

static double s_demand(const sim_t *sim, const s_dom_t *d)
{
    double want = d->load >= 0 ? d->load
                  : sim->load_frac * (d->max_mhz > 0 ? d->max_mhz : sim->core_mhz);
    double top = d->info.vcpus * sim->core_mhz;
    if (d->info.cap_mhz > 0 && d->info.cap_mhz < top)
        top = d->info.cap_mhz;
    return want < top ? want : top;
}

/* Advance every domain's CPU-time counter to now: each gets its demand,
 * bounded by its cap and vCPUs, scaled down together when the host is
 * overcommitted. */
static void s_advance(sim_t *sim, int64_t now)
{
    int64_t dt = now - sim->last_ms;
    sim->last_ms = now;
    if (dt <= 0 || sim->off)
        return;
    double total = 0;
    for (size_t i = 0; i < sim->dom_n; i++)
        if (s_consumes(sim->doms[i]))
            total += s_demand(sim, sim->doms[i]);
    double host = sim->cores * sim->core_mhz;
    double scale = total > host ? host / total : 1.0;
    for (size_t i = 0; i < sim->dom_n; i++) {
        s_dom_t *d = sim->doms[i];
        if (!s_consumes(d))
            continue;
        d->cpu_rem_ns += s_demand(sim, d) * scale / sim->core_mhz * (double)dt * 1e6;
        uint64_t whole = (uint64_t)d->cpu_rem_ns;
        d->info.cpu_ns += whole;
        d->cpu_rem_ns -= (double)whole;
    }
}

/* --- options ----------------------------------------------------------- */

static int s_opt(const xgc_yaml_node_t *opts, const char *key, double *out,
                 char *err, size_t errlen)
{
    const xgc_yaml_node_t *n = opts ? xgc_yaml_get(opts, key) : NULL;
    return n ? xgc_yaml_double(n, key, out, err, errlen) : 0;
}

static int s_opt_str(const xgc_yaml_node_t *opts, const char *key, char *out,
                     size_t outlen, char *err, size_t errlen)
{
    const xgc_yaml_node_t *n = opts ? xgc_yaml_get(opts, key) : NULL;
    const char *v;
    if (!n)
        return 0;
    if (xgc_yaml_string(n, key, &v, err, errlen) < 0)
        return -1;
    snprintf(out, outlen, "%s", v);
    return 0;
}

static int s_options(sim_t *sim, const xgc_yaml_node_t *opts, char *listen,
                     size_t listen_len, char *err, size_t errlen)
{
    static const char *const keys[] = {
        "time_factor", "create_s", "migrate_s", "destroy_s", "wake_s",
        "bandwidth_mbps", "load", "cores", "core_mhz", "mem_mb", "listen",
        "advertise", "state_file", "expect_timeout_s", NULL
    };
    if (opts && opts->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, opts, "driver_opts", "must be a mapping");
    if (opts && xgc_yaml_check_keys(opts, keys, "the sim driver's options", err, errlen) < 0)
        return -1;
    double cores = sim->cores;
    if (s_opt(opts, "time_factor", &sim->time_factor, err, errlen) ||
        s_opt(opts, "create_s", &sim->create_s, err, errlen) ||
        s_opt(opts, "migrate_s", &sim->migrate_s, err, errlen) ||
        s_opt(opts, "destroy_s", &sim->destroy_s, err, errlen) ||
        s_opt(opts, "wake_s", &sim->wake_s, err, errlen) ||
        s_opt(opts, "bandwidth_mbps", &sim->bandwidth_mbps, err, errlen) ||
        s_opt(opts, "load", &sim->load_frac, err, errlen) ||
        s_opt(opts, "cores", &cores, err, errlen) ||
        s_opt(opts, "core_mhz", &sim->core_mhz, err, errlen) ||
        s_opt(opts, "mem_mb", &sim->mem_mb, err, errlen) ||
        s_opt(opts, "expect_timeout_s", &sim->expect_timeout_s, err, errlen) ||
        s_opt_str(opts, "listen", listen, listen_len, err, errlen) ||
        s_opt_str(opts, "advertise", sim->addr, sizeof sim->addr, err, errlen) ||
        s_opt_str(opts, "state_file", sim->state_path, sizeof sim->state_path, err, errlen))
        return -1;
    sim->cores = (int)cores;
    if (sim->time_factor <= 0 || sim->cores < 1 || sim->core_mhz <= 0 || sim->mem_mb <= 0 ||
        sim->create_s < 0 || sim->migrate_s < 0 || sim->destroy_s < 0 || sim->wake_s < 0 ||
        sim->load_frac < 0) {
        snprintf(err, errlen, "sim driver: time_factor, cores, core_mhz and mem_mb must be "
                 "> 0 and durations/load >= 0");
        return -1;
    }
    return 0;
}

/* --- sockets --------------------------------------------------------- */

static int s_listen(sim_t *sim, const char *where, char *err, size_t errlen)
{
    int fd = xgc_tcp_listen(where, 1, sim->addr, sizeof sim->addr, err, errlen);
    if (fd < 0)
        return -1;
    sim->listen_fd = fd;
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(sim->epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static s_conn_t *s_conn_new(sim_t *sim, int fd, xgc_xlmig_role_t role, const char *payload)
{
    if (sim->conn_n == SIM_MAX_CONNS)
        return NULL;
    s_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->mig = xgc_xlmig_new(role, payload);
    if (!c->mig) {
        free(c);
        return NULL;
    }
    c->fd = fd;
    c->started_ms = s_now_ms();
    c->deadline_ms = c->started_ms + 30000;
    sim->conns[sim->conn_n++] = c;
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(sim->epfd, EPOLL_CTL_ADD, fd, &ev);
    return c;
}

static void s_conn_free(sim_t *sim, size_t i)
{
    s_conn_t *c = sim->conns[i];
    epoll_ctl(sim->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    xgc_xlmig_destroy(&c->mig);
    free(c);
    sim->conns[i] = sim->conns[--sim->conn_n];
}

/* Open a connection to a peer pmd's listener (non-blocking connect). */
static s_conn_t *s_connect(sim_t *sim, const char *addr, xgc_xlmig_role_t role,
                           const char *payload, char *err, size_t errlen)
{
    int fd = xgc_tcp_connect(addr, 1, err, errlen);
    if (fd < 0)
        return NULL;
    s_conn_t *c = s_conn_new(sim, fd, role, payload);
    if (!c) {
        close(fd);
        snprintf(err, errlen, "too many migrations at once");
        return NULL;
    }
    c->connecting = 1;
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    return c;
}

/* --- the migration protocol's actions ------------------------------------ */

static int64_t s_migrate_ms(const sim_t *sim, const s_dom_t *d)
{
    double secs = sim->bandwidth_mbps > 0 ? d->info.mem_mb * 8.0 / sim->bandwidth_mbps
                                          : sim->migrate_s;
    return s_real_ms(sim, secs);
}

static void s_config_of(const s_dom_t *d, char *out, size_t outlen)
{
    snprintf(out, outlen, "name=%s;mem=%.0f;vcpus=%d;cap=%.3f;weight=%d;load=%.3f;max=%.3f",
             d->info.name, d->info.mem_mb, d->info.vcpus, d->info.cap_mhz, d->info.weight,
             d->load, d->max_mhz);
}

static double s_kv_double(const char *cfg, const char *key, double dflt)
{
    char v[64];
    return xgc_xlmig_kv_get(cfg, key, v, sizeof v) == 0 ? atof(v) : dflt;
}

/* Receiver: a header arrived; take the VM if we expect it. */
static void s_restore(sim_t *sim, s_conn_t *c)
{
    const char *cfg = xgc_xlmig_config(c->mig);
    char name[XGC_NAME_MAX];
    if (xgc_xlmig_kv_get(cfg, "name", name, sizeof name) < 0) {
        xgc_xlmig_refuse(c->mig, "config without a name");
        c->closing = 1;
        return;
    }
    double mem = s_kv_double(cfg, "mem", 0);
    s_dom_t *d = NULL;
    xgc_expect_t e;
    if (s_find(sim, name) || sim->off || s_used_mem(sim) + mem > sim->mem_mb ||
        !xgc_expect_take(&sim->expects, name, &e) || !(d = s_add(sim, name))) {
        fprintf(stderr, "sim %s: refusing incoming %s (not expected, present or no room)\n",
                sim->host, name);
        xgc_xlmig_refuse(c->mig, "not expected here");
        c->closing = 1;
        return;
    }
    snprintf(c->vm, sizeof c->vm, "%s", name);
    c->op_id = e.op_id;
    c->started_ms = e.started_ms;
    d->info.state = XGC_DOM_MIGRATING_IN;
    d->info.mem_mb = mem;
    d->info.vcpus = (int)s_kv_double(cfg, "vcpus", 1);
    d->info.cap_mhz = s_kv_double(cfg, "cap", 0);
    d->info.weight = (int)s_kv_double(cfg, "weight", 256);
    d->load = s_kv_double(cfg, "load", -1);
    d->max_mhz = s_kv_double(cfg, "max", 0);
    int64_t mig = s_migrate_ms(sim, d);
    c->deadline_ms = s_now_ms() + (mig * 3 > 60000 ? mig * 3 : 60000);
}

static void s_finish_out(sim_t *sim, s_dom_t *d, uint64_t op_id, int64_t started,
                         int ok, const char *reason)
{
    char vm[XGC_NAME_MAX];
    snprintf(vm, sizeof vm, "%s", d->info.name);
    if (ok) {
        s_remove(sim, d);
    } else {
        d->info.state = XGC_DOM_RUNNING;
        d->peer_addr[0] = '\0';
        d->query_at_ms = 0;
    }
    s_save(sim);
    s_event(sim, XGC_OP_MIGRATE_OUT, vm, op_id, ok, reason, started);
}

static void s_act(sim_t *sim, s_conn_t *c, xgc_xlmig_act_t act)
{
    s_dom_t *d = c->vm[0] ? s_find(sim, c->vm) : NULL;
    int64_t now = s_now_ms();
    switch (act) {
    case XGC_XLMIG_ACT_SEND_STREAM:
        c->stream_due_ms = now + (d ? s_migrate_ms(sim, d) : 0);
        c->deadline_ms = c->stream_due_ms + 30000;
        break;
    case XGC_XLMIG_ACT_RESTORE:
        s_restore(sim, c);
        break;
    case XGC_XLMIG_ACT_SWITCH:
        if (d) {
            d->info.state = XGC_DOM_INDOUBT;     /* suspended: "--migratedaway" */
            snprintf(d->peer_addr, sizeof d->peer_addr, "%s", c->addr);
            s_save(sim);
        }
        break;
    case XGC_XLMIG_ACT_DESTROY_LOCAL:
    case XGC_XLMIG_ACT_RESUME_LOCAL:
        if (d)
            s_finish_out(sim, d, c->op_id ? c->op_id : d->op_id, c->started_ms,
                         act == XGC_XLMIG_ACT_DESTROY_LOCAL, xgc_xlmig_reason(c->mig));
        c->closing = 1;
        break;
    case XGC_XLMIG_ACT_INDOUBT:
        if (d) {
            d->op_id = c->op_id;
            d->op_started_ms = c->started_ms;
            d->query_at_ms = now + 200;
        }
        c->closing = 1;
        break;
    case XGC_XLMIG_ACT_RETRY_QUERY:
        if (d)
            d->query_at_ms = now + 1000;
        c->closing = 1;
        break;
    case XGC_XLMIG_ACT_UNPAUSE:
        if (d) {
            d->info.state = XGC_DOM_RUNNING;
            s_save(sim);                          /* ours now, before the report */
        }
        xgc_xlmig_unpaused(c->mig, d ? 0 : 1);
        s_event(sim, XGC_OP_MIGRATE_IN, c->vm, c->op_id, d != NULL, "", c->started_ms);
        c->closing = 1;
        break;
    case XGC_XLMIG_ACT_DESTROY_INCOMING:
        if (d && d->info.state == XGC_DOM_MIGRATING_IN)
            s_remove(sim, d);
        s_event(sim, XGC_OP_MIGRATE_IN, c->vm, c->op_id, 0, xgc_xlmig_reason(c->mig),
                c->started_ms);
        c->closing = 1;
        break;
    case XGC_XLMIG_ACT_QUERY: {
        s_dom_t *q = s_find(sim, xgc_xlmig_config(c->mig));
        xgc_xlmig_answer(c->mig, !q ? 'N' : q->info.state == XGC_DOM_MIGRATING_IN ? 'W' : 'H');
        c->closing = 1;
        break;
    }
    case XGC_XLMIG_ACT_CLOSE:
        c->closing = 1;
        break;
    default:
        break;
    }
}

/* Move the machine's queued bytes into the connection's output. */
static void s_take(s_conn_t *c)
{
    size_t n;
    const uint8_t *p = xgc_xlmig_out(c->mig, &n);
    if (n > sizeof c->out - c->out_len)
        n = sizeof c->out - c->out_len;
    if (n == 0)
        return;
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    xgc_xlmig_out_consume(c->mig, n);
}

/* Feed what was read: handshake bytes to the machine, stream bytes (the
 * sim record) to the simulated restore. */
static void s_feed(sim_t *sim, s_conn_t *c)
{
    while (c->in_len > 0 && !c->closing) {
        xgc_xlmig_state_t st = xgc_xlmig_state(c->mig);
        if (st == XGC_XLMIG_S_RESTORING) {
            if (c->in_len < SIM_RECORD_LEN)
                return;
            s_dom_t *d = s_find(sim, c->vm);
            int ok = memcmp(c->in, SIM_RECORD, 8) == 0;
            if (d && ok)
                memcpy(&d->info.cpu_ns, c->in + 8, 8);
            memmove(c->in, c->in + SIM_RECORD_LEN, c->in_len - SIM_RECORD_LEN);
            c->in_len -= SIM_RECORD_LEN;
            s_act(sim, c, xgc_xlmig_stream_done(c->mig, ok && d));
            continue;
        }
        size_t used;
        xgc_xlmig_act_t act = xgc_xlmig_feed(c->mig, c->in, c->in_len, &used);
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        s_act(sim, c, act);
        if (!used && act == XGC_XLMIG_ACT_NONE)
            return;
    }
}

/* Sender: the simulated copy time is over: send the record (stop-and-copy). */
static void s_stream(sim_t *sim, s_conn_t *c, int64_t now)
{
    if (!c->stream_due_ms || now < c->stream_due_ms ||
        xgc_xlmig_state(c->mig) != XGC_XLMIG_S_STREAMING)
        return;
    s_dom_t *d = s_find(sim, c->vm);
    if (!d) {
        s_act(sim, c, xgc_xlmig_stream_done(c->mig, 0));
        return;
    }
    s_advance(sim, now);
    if (c->out_len + SIM_RECORD_LEN <= sizeof c->out) {
        memcpy(c->out + c->out_len, SIM_RECORD, 8);
        memcpy(c->out + c->out_len + 8, &d->info.cpu_ns, 8);
        c->out_len += SIM_RECORD_LEN;
    }
    c->stream_due_ms = 0;
    s_act(sim, c, xgc_xlmig_stream_done(c->mig, 1));
}

/* One step of one connection; returns 1 if it is finished. */
static int s_conn_step(sim_t *sim, s_conn_t *c, int64_t now)
{
    if (c->connecting) {
        struct pollfd p = { .fd = c->fd, .events = POLLOUT };
        if (poll(&p, 1, 0) <= 0)
            return now > c->deadline_ms ? (s_act(sim, c, xgc_xlmig_eof(c->mig)), 1) : 0;
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr) {
            s_act(sim, c, xgc_xlmig_eof(c->mig));
            return 1;
        }
        c->connecting = 0;
    }
    s_stream(sim, c, now);
    s_take(c);
    if (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
            c->out_len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            if (!c->closing)
                s_act(sim, c, xgc_xlmig_eof(c->mig));
            return 1;
        }
    }
    if (c->closing)
        return c->out_len == 0;
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
        if (n > 0) {
            c->in_len += (size_t)n;
            s_feed(sim, c);
            s_take(c);
            if (c->closing || c->in_len == sizeof c->in)
                break;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || now > c->deadline_ms) {
            s_act(sim, c, xgc_xlmig_eof(c->mig));
            s_take(c);
            return 1;
        }
        break;
    }
    if (c->closing && c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
            c->out_len -= (size_t)n;
        }
    }
    return c->closing && c->out_len == 0;
}

static void s_accept(sim_t *sim)
{
    for (;;) {
        int fd = accept4(sim->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (!s_conn_new(sim, fd, XGC_XLMIG_RECEIVER, NULL))
            close(fd);
    }
}

/* --- timers: creates, destroys, expectations, in-doubt queries ----------- */

/* The domain's operation ended with it gone: report, forget, persist. */
static void s_drop(sim_t *sim, s_dom_t *d, xgc_op_kind_t kind, int ok, const char *reason)
{
    s_event(sim, kind, d->info.name, d->op_id, ok, reason, d->op_started_ms);
    s_remove(sim, d);
    s_save(sim);
}

static void s_timers(sim_t *sim, int64_t now)
{
    for (size_t i = 0; i < sim->dom_n; i++) {
        s_dom_t *d = sim->doms[i];
        if (d->info.state == XGC_DOM_CREATING && now >= d->due_ms && d->fail_create) {
            s_drop(sim, d, XGC_OP_CREATE, 0, "simulated failure (image sim:fail)");
            i--;
        } else if (d->info.state == XGC_DOM_CREATING && now >= d->due_ms) {
            d->info.state = XGC_DOM_RUNNING;
            s_save(sim);
            s_event(sim, XGC_OP_CREATE, d->info.name, d->op_id, 1, "", d->op_started_ms);
        } else if (d->info.state == XGC_DOM_STOPPING && now >= d->due_ms) {
            s_drop(sim, d, XGC_OP_DESTROY, 1, "");
            i--;
        } else if (d->info.state == XGC_DOM_INDOUBT && d->query_at_ms &&
                   now >= d->query_at_ms) {
            char err[160];
            d->query_at_ms = 0;
            s_conn_t *c = s_connect(sim, d->peer_addr, XGC_XLMIG_QUERIER, d->info.name,
                                    err, sizeof err);
            if (c)
                snprintf(c->vm, sizeof c->vm, "%s", d->info.name);
            else
                d->query_at_ms = now + 1000;
        }
    }
    xgc_expect_t gone[8];
    size_t n = xgc_expect_expire(&sim->expects, now, gone, 8);
    for (size_t k = 0; k < n; k++)
        s_event(sim, XGC_OP_MIGRATE_IN, gone[k].vm, gone[k].op_id, 0,
                "nothing arrived before the timeout", gone[k].started_ms);
    if (sim->wake_due_ms && now >= sim->wake_due_ms) {
        sim->wake_due_ms = 0;
        sim->off = 0;
        s_save(sim);
    }
}

/* --- the driver class -------------------------------------------------- */

static void sim_destroy_instance(void *self)
{
    sim_t *sim = self;
    while (sim->conn_n)
        s_conn_free(sim, 0);
    for (size_t i = 0; i < sim->dom_n; i++)
        free(sim->doms[i]);
    if (sim->listen_fd >= 0)
        close(sim->listen_fd);
    if (sim->epfd >= 0)
        close(sim->epfd);
    free(sim);
}

static void *sim_create_instance(const xgc_yaml_node_t *opts, const xgc_driver_env_t *env,
                                 char *err, size_t errlen)
{
    sim_t *sim = calloc(1, sizeof *sim);
    if (!sim) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sim->listen_fd = -1;
    sim->epfd = epoll_create1(EPOLL_CLOEXEC);
    snprintf(sim->host, sizeof sim->host, "%s", env && env->host ? env->host : "sim");
    sim->time_factor = 1;
    sim->create_s = 40;
    sim->migrate_s = 20;
    sim->destroy_s = 2;
    sim->wake_s = 60;
    sim->load_frac = 0.5;
    sim->expect_timeout_s = 60;
    sim->cores = 4;
    sim->core_mhz = 2000;
    sim->mem_mb = 8192;
    const xgc_pm_spec_t *pm = env ? env->pm : NULL;
    if (pm && pm->cpu_mhz > 0) {
        sim->cores = pm->cores > 0 ? pm->cores : 1;
        sim->core_mhz = pm->cpu_mhz / sim->cores;
    }
    if (pm && pm->mem_mb > 0)
        sim->mem_mb = pm->mem_mb;
    char listen[128] = "tcp://127.0.0.1:0";
    if (s_options(sim, opts, listen, sizeof listen, err, errlen) < 0) {
        sim_destroy_instance(sim);
        return NULL;
    }
    if (!sim->state_path[0])
        snprintf(sim->state_path, sizeof sim->state_path, "%s/sim-%s.state",
                 env && env->state_dir ? env->state_dir : ".", sim->host);
    /* An any-port listener takes the port of the previous run again when it
     * can, so that a source still in doubt about a migration to this host
     * finds it at the address it knows. */
    char again[128] = "";
    int port_any = strcmp(listen + strlen(listen) - 2, ":0") == 0;
    if (!(port_any && s_saved_addr(sim->state_path, again, sizeof again) == 0 &&
          s_listen(sim, again, err, errlen) == 0) &&
        s_listen(sim, listen, err, errlen) < 0) {
        sim_destroy_instance(sim);
        return NULL;
    }
    sim->last_ms = s_now_ms();
    s_load(sim);
    return sim;
}

static int sim_host_info(void *self, xgc_host_info_t *out, char *err, size_t errlen)
{
    (void)err; (void)errlen;
    sim_t *sim = self;
    out->cores = sim->cores;
    out->core_mhz = sim->core_mhz;
    out->cpu_mhz = sim->cores * sim->core_mhz;
    out->mem_mb = sim->mem_mb;
    out->free_mem_mb = sim->mem_mb - s_used_mem(sim);
    snprintf(out->migrate_addr, sizeof out->migrate_addr, "%s", sim->addr);
    out->powered_off = sim->off;
    return 0;
}

static int sim_list(void *self, xgc_dom_info_t **doms, size_t *count, char *err, size_t errlen)
{
    sim_t *sim = self;
    s_advance(sim, s_now_ms());
    *doms = calloc(sim->dom_n ? sim->dom_n : 1, sizeof **doms);
    if (!*doms) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < sim->dom_n; i++)
        (*doms)[i] = sim->doms[i]->info;
    *count = sim->dom_n;
    return 0;
}

static int sim_create(void *self, const xgc_vm_spec_t *spec, double cap_mhz, int weight,
                      uint64_t op_id, char *err, size_t errlen)
{
    sim_t *sim = self;
    if (sim->off) {
        snprintf(err, errlen, "create %s: host is off or waking up", spec->name);
        return -1;
    }
    if (s_find(sim, spec->name)) {
        snprintf(err, errlen, "create %s: a domain of that name exists", spec->name);
        return -1;
    }
    if (s_used_mem(sim) + spec->mem_mb > sim->mem_mb) {
        snprintf(err, errlen, "create %s: needs %.0f MB, %.0f MB free", spec->name,
                 spec->mem_mb, sim->mem_mb - s_used_mem(sim));
        return -1;
    }
    s_dom_t *d = s_add(sim, spec->name);
    if (!d) {
        snprintf(err, errlen, "create %s: too many domains", spec->name);
        return -1;
    }
    d->info.state = XGC_DOM_CREATING;
    d->info.mem_mb = spec->mem_mb;
    d->max_mhz = spec->max_mhz;
    int vcpus = (int)ceil(spec->max_mhz / sim->core_mhz - 1e-9);
    d->info.vcpus = vcpus < 1 ? 1 : vcpus > sim->cores ? sim->cores : vcpus;
    d->info.cap_mhz = cap_mhz;
    d->info.weight = weight > 0 ? weight : 256;
    d->fail_create = strcmp(spec->image, "sim:fail") == 0;
    d->op_id = op_id;
    d->op_started_ms = s_now_ms();
    d->due_ms = d->op_started_ms + s_real_ms(sim, sim->create_s);
    s_save(sim);
    return 0;
}

static int sim_destroy(void *self, const char *vm, uint64_t op_id, char *err, size_t errlen)
{
    sim_t *sim = self;
    s_dom_t *d = s_find(sim, vm);
    if (!d) {
        snprintf(err, errlen, "destroy %s: no such domain", vm);
        return -1;
    }
    if (d->info.state == XGC_DOM_MIGRATING_IN || d->info.state == XGC_DOM_MIGRATING_OUT ||
        d->info.state == XGC_DOM_INDOUBT || d->info.state == XGC_DOM_STOPPING) {
        snprintf(err, errlen, "destroy %s: it is %s", vm, xgc_dom_state_name(d->info.state));
        return -1;
    }
    s_advance(sim, s_now_ms());
    d->info.state = XGC_DOM_STOPPING;
    d->op_id = op_id;
    d->op_started_ms = s_now_ms();
    d->due_ms = d->op_started_ms + s_real_ms(sim, sim->destroy_s);
    s_save(sim);
    return 0;
}

static int sim_set_sched(void *self, const char *vm, int weight, double cap_mhz,
                         char *err, size_t errlen)
{
    sim_t *sim = self;
    s_dom_t *d = s_find(sim, vm);
    if (!d || d->info.state == XGC_DOM_MIGRATING_IN) {
        snprintf(err, errlen, "set weight/cap of %s: no such domain", vm);
        return -1;
    }
    if (weight < 0 || weight > 65535 || cap_mhz < 0) {
        snprintf(err, errlen, "set weight/cap of %s: weight %d / cap %.0f MHz out of range",
                 vm, weight, cap_mhz);
        return -1;
    }
    s_advance(sim, s_now_ms());
    if (weight > 0)
        d->info.weight = weight;
    d->info.cap_mhz = cap_mhz;
    s_save(sim);
    return 0;
}

static int sim_migrate_out(void *self, const char *vm, const char *dest, uint64_t op_id,
                           char *err, size_t errlen)
{
    sim_t *sim = self;
    s_dom_t *d = s_find(sim, vm);
    if (!d || (d->info.state != XGC_DOM_RUNNING && d->info.state != XGC_DOM_PAUSED)) {
        snprintf(err, errlen, "migrate %s: %s", vm, d ? "it is busy" : "no such domain");
        return -1;
    }
    char cfg[512];
    s_config_of(d, cfg, sizeof cfg);
    s_conn_t *c = s_connect(sim, dest, XGC_XLMIG_SENDER, cfg, err, errlen);
    if (!c)
        return -1;
    snprintf(c->vm, sizeof c->vm, "%s", vm);
    c->op_id = op_id;
    d->info.state = XGC_DOM_MIGRATING_OUT;
    d->op_id = op_id;
    return 0;
}

static int sim_migrate_in(void *self, const xgc_vm_spec_t *spec, uint64_t op_id,
                          char *addr, size_t addrlen, char *err, size_t errlen)
{
    sim_t *sim = self;
    if (s_find(sim, spec->name)) {
        snprintf(err, errlen, "receive %s: a domain of that name is here", spec->name);
        return -1;
    }
    if (sim->off) {
        snprintf(err, errlen, "receive %s: host is off or waking up", spec->name);
        return -1;
    }
    xgc_expect_t old;
    int rc = xgc_expect_put(&sim->expects, spec->name, op_id, s_now_ms(),
                            (int64_t)(sim->expect_timeout_s * 1000), &old);
    if (rc < 0) {
        snprintf(err, errlen, "receive %s: too many expected migrations", spec->name);
        return -1;
    }
    if (rc == 1)    /* prepared again: the new op replaces the old */
        s_event(sim, XGC_OP_MIGRATE_IN, spec->name, old.op_id, 0, "superseded", old.started_ms);
    snprintf(addr, addrlen, "%s", sim->addr);
    return 0;
}

static int sim_fd(void *self)
{
    return ((sim_t *)self)->epfd;
}

static size_t sim_poll(void *self, xgc_drv_event_t *out, size_t max)
{
    sim_t *sim = self;
    int64_t now = s_now_ms();
    /* epfd is level-triggered: reading the sockets below is what clears it */
    s_accept(sim);
    for (size_t i = 0; i < sim->conn_n; i++)
        if (s_conn_step(sim, sim->conns[i], now))
            s_conn_free(sim, i--);
    s_timers(sim, now);
    size_t n = sim->event_n < max ? sim->event_n : max;
    memcpy(out, sim->events, n * sizeof *out);
    memmove(sim->events, sim->events + n, (sim->event_n - n) * sizeof *out);
    sim->event_n -= n;
    return n;
}

static int sim_power(void *self, int off, char *err, size_t errlen)
{
    sim_t *sim = self;
    if (off) {
        if (sim->dom_n) {
            snprintf(err, errlen, "power off: %zu domain(s) still here", sim->dom_n);
            return -1;
        }
        sim->off = 1;
        sim->wake_due_ms = 0;
    } else if (sim->off && !sim->wake_due_ms) {
        sim->wake_due_ms = s_now_ms() + s_real_ms(sim, sim->wake_s);
    }
    s_save(sim);
    return 0;
}

static int sim_inject_load(void *self, const char *vm, double cpu_mhz)
{
    sim_t *sim = self;
    s_dom_t *d = s_find(sim, vm);
    if (!d)
        return -1;
    s_advance(sim, s_now_ms());
    d->load = cpu_mhz;
    return 0;
}

const xgc_driver_class_t xgc_driver_sim = {
    .name = "sim",
    .create_instance = sim_create_instance,
    .destroy_instance = sim_destroy_instance,
    .host_info = sim_host_info,
    .list = sim_list,
    .create = sim_create,
    .destroy = sim_destroy,
    .set_sched = sim_set_sched,
    .migrate_out = sim_migrate_out,
    .migrate_in = sim_migrate_in,
    .fd = sim_fd,
    .poll = sim_poll,
    .power = sim_power,
    .inject_load = sim_inject_load,
};
