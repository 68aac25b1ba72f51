/* xgc soak — a multi-host soak test on this machine: the broker and two
 * schedulers in one network namespace, K pmds (sim driver) each in its own,
 * joined by a bridge; load from `xgc inject`; faults on a seeded schedule
 * (SIGKILL + restart of the broker, the leading scheduler, pmds — also
 * mid-migration —, a link cut longer than the lease, a stalled subscriber,
 * junk frames, invalid specs); invariants checked every half second
 * (tools/soak_check.c) and a ledger of acknowledged writes verified after
 * every broker restart. Ends with a report (text or --json) and a non-zero
 * exit on any violation. Bounded; removes its namespaces and processes on
 * the way out, also when interrupted; `--cleanup` removes leftovers.
 * docs/soak.md describes it. */
#define _GNU_SOURCE
#include <czmq.h>
#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_msg.h"
#include "xgc_state.h"
#include "xgc_stats.h"
#include "tools/deploy.h"
#include "tools/soak_check.h"
#include "tools/soak_env.h"
#include "tools/soak_probe.h"
#include "tools/xgc_cmd.h"

#define LEDGER_SLOTS  500        /* ledger keys soak/ledger/0000..0499, rewritten */
#define MAX_FAULTS    4096
#define TICK_MS       100
#define CHECK_MS      500
#define RSS_MS        2000
#define STATUS_MS     5000
#define LEDGER_MS     100
#define PROBE_WAIT_MS 20000      /* how much longer a probe waits for the broker's answers */

static const char *s_usage =
    "usage: xgc soak [options]      or   xgc soak --cleanup [--dir DIR] [--tag T]\n"
    "Runs a real multi-host deployment in network namespaces, injects faults on a\n"
    "seeded schedule, checks the invariants, prints a report (docs/soak.md).\n"
    "  --duration D       30s, 2m, 1h or seconds (default 2m)\n"
    "  --pmds K           pmds, each in its own namespace (default 20, at most 200)\n"
    "  --seed N           fault schedule and choices (default 1)\n"
    "  --vms N            VMs to start with (default 3 per pmd)\n"
    "  --gap S            seconds between faults (default 12)\n"
    "  --bound S          convergence bound after a fault, seconds (default 60)\n"
    "  --lease-ms MS      pmd lease (default 5000)\n"
    "  --time-factor F    sim driver speed-up (default 20)\n"
    "  --dir DIR          data, logs, pid files (default /var/tmp/xgc-soak-TAG)\n"
    "  --tag T            prefix of the namespaces (default xgcsoak)\n"
    "  --security MODE    none (default) or curve: certificates per role, and\n"
    "                     security probes among the faults\n"
    "  --json             report as JSON\n"
    "  --cleanup          remove what an interrupted run left behind, then exit\n";

typedef struct {
    double duration_s, pmds, seed, vms, gap_s, bound_s, lease_ms, time_factor;
    char dir[256], tag[32];
    bool json, cleanup, curve;
} s_opts_t;

typedef struct {
    xgc_soak_fault_t f;
    char target[64];          /* what it hit */
    int64_t started_ms, repaired_ms, converged_ms;   /* -1 = not yet / never */
    bool mid_migration;
    uint64_t epoch;           /* the broker's when it started */
    int phase;                /* 0 waiting, 1 active, 2 converging, 3 done */
} s_fault_t;

typedef struct {
    s_opts_t o;
    xgc_config_t *cfg;
    xgc_bus_t *bus;
    xgc_soak_check_t *check;
    int64_t t0;
    /* processes: broker, sched-a, sched-b, tail, pm1..pmK, injectors */
    xgc_soak_proc_t procs[XGC_SOAK_MAX_PMDS + 16];
    size_t proc_n;
    xgc_soak_pm_t pms[XGC_SOAK_MAX_PMDS];
    bool link_cut[XGC_SOAK_MAX_PMDS + 1];
    /* faults */
    s_fault_t faults[MAX_FAULTS];
    size_t fault_n, fault_i;
    int drained;              /* pm index drained to provoke a migration, 0 none */
    struct { zsock_t *dealer, *pub; bool unauth; } junk[3];   /* the senders */
    long junk_sent, junk_unauth;
    /* security probes (--security curve) */
    xgc_soak_probe_t *probe;
    xgc_soak_probe_counts_t probes;
    /* ledger of acknowledged writes */
    long issued, acked;
    long slot[LEDGER_SLOTS];  /* highest acknowledged n per slot, -1 none */
    long ledger_checks, ledger_lost, tail_lost;
    uint64_t epoch;
    bool ledger_due;
    /* convergence */
    bool converged;
    char why[300];
    long checks, unconverged_checks, fast_checks;
    size_t specs_now, specs_max, doms_now, doms_max, plans_now;
    /* broker counters, summed over its lives */
    int64_t st_prev[6], st_sum[6];
    int64_t next_check, next_fast, next_rss, next_status, next_ledger;
} s_soak_t;

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static int64_t s_now(s_soak_t *s)
{
    return xgc_log_mono_ms() - s->t0;
}

/* --- options ----------------------------------------------------------------- */

static int s_duration(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    double mul = !strcmp(end, "") || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60
               : !strcmp(end, "h") ? 3600 : -1;
    if (end == v || mul < 0 || d <= 0 || d * mul > 7 * 86400)
        return -1;
    *out = d * mul;
    return 0;
}

static int s_parse(s_opts_t *o, int argc, char **argv)
{
    *o = (s_opts_t){.duration_s = 120, .pmds = 20, .seed = 1, .vms = -1, .gap_s = 12,
                    .bound_s = 60, .lease_ms = 5000, .time_factor = 20};
    snprintf(o->tag, sizeof o->tag, "xgcsoak");
    struct { const char *opt; double *v; double lo, hi; } nums[] = {
        {"--pmds", &o->pmds, 1, XGC_SOAK_MAX_PMDS}, {"--seed", &o->seed, 0, 1e15},
        {"--vms", &o->vms, 0, 10000}, {"--gap", &o->gap_s, 1, 3600},
        {"--bound", &o->bound_s, 5, 3600}, {"--lease-ms", &o->lease_ms, 1000, 600000},
        {"--time-factor", &o->time_factor, 1, 1000}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool done = false;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0] && !done; k++)
            if (!strcmp(a, nums[k].opt)) {
                char *end;
                double d = v ? strtod(v, &end) : 0;
                if (!v || *end || d < nums[k].lo || d > nums[k].hi) {
                    fprintf(stderr, "xgc soak: %s wants a number in [%g, %g]\n", a,
                            nums[k].lo, nums[k].hi);
                    return -1;
                }
                *nums[k].v = d;
                i++;
                done = true;
            }
        if (done)
            continue;
        if (!strcmp(a, "--duration") && v && s_duration(v, &o->duration_s) == 0)
            i++;
        else if (!strcmp(a, "--dir") && v && strlen(v) < sizeof o->dir - 1)
            snprintf(o->dir, sizeof o->dir, "%s", argv[++i]);
        else if (!strcmp(a, "--tag") && v && strlen(v) < 16 && strspn(v,
                 "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(v))
            snprintf(o->tag, sizeof o->tag, "%s", argv[++i]);
        else if (!strcmp(a, "--security") && v && (!strcmp(v, "curve") || !strcmp(v, "none")))
            o->curve = !strcmp(argv[++i], "curve");
        else if (!strcmp(a, "--json"))
            o->json = true;
        else if (!strcmp(a, "--cleanup"))
            o->cleanup = true;
        else {
            fprintf(stderr, "xgc soak: bad option or value: %s\n%s", a, s_usage);
            return -1;
        }
    }
    if (o->vms < 0)
        o->vms = 3 * o->pmds;
    if (!o->dir[0])
        snprintf(o->dir, sizeof o->dir, "/var/tmp/xgc-soak-%s", o->tag);
    return 0;
}

/* --- the deployment ---------------------------------------------------------- */

static int s_write_config(s_soak_t *s, char *path, size_t len)
{
    snprintf(path, len, "%s/soak.yaml", s->o.dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# written by xgc soak\ncluster: soak\ndata_dir: %s\n"
            "broker:\n  endpoint: tcp://%s:7700\n"
            "scheduler:\n  algorithm: pemm\n  debounce_ms: 50\n  optimise_interval_ms: 3000\n"
            "  max_migrations: 4\n  max_per_pm: 2\n  cooldown_ms: 6000\n  gain_margin: 5\n"
            "  power_off_hold_ms: 4000\n%spms:\n", s->o.dir, XGC_SOAK_BROKER_IP,
            s->o.curve ? "security: {mode: curve, certs: certs}\n" : "");
    for (int i = 1; i <= (int)s->o.pmds; i++) {
        char ip[32];
        xgc_soak_net_pm_ip(i, ip, sizeof ip);
        fprintf(f, "  - {name: pm%d, cpu_mhz: 8000, mem_mb: 8192, cores: 4, power_cost: 400, "
                "power: {idle_w: 120, peak_w: 260}, driver: sim, driver_opts: "
                "{time_factor: %g, listen: \"tcp://%s:0\"}}\n", i, s->o.time_factor, ip);
    }
    return fclose(f);
}

/* Add a process: name, namespace ("" = core), argv (NULL-terminated). */
static xgc_soak_proc_t *s_proc(s_soak_t *s, const char *name, const char *ns, bool injector,
                               const char *const *argv)
{
    xgc_soak_proc_t *p = &s->procs[s->proc_n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->ns, sizeof p->ns, "%s", ns);
    p->expect_exit = injector;
    for (int i = 0; argv[i] && i < 31; i++)
        p->argv[i] = strdup(argv[i]);
    return p;
}

static xgc_soak_proc_t *s_find(s_soak_t *s, const char *name)
{
    for (size_t i = 0; i < s->proc_n; i++)
        if (!strcmp(s->procs[i].name, name))
            return &s->procs[i];
    return NULL;
}

static void s_define(s_soak_t *s, const char *cfg)
{
    char lease[32], n[32], pmname[32], ns[64], sdir[512];
    snprintf(lease, sizeof lease, "%.0f", s->o.lease_ms);
    s_proc(s, "broker", "", false, (const char *[]){"xgc-broker", "-c", cfg, NULL});
    s_proc(s, "sched-a", "", false,
           (const char *[]){"xgc-scheduler", "-c", cfg, "--id", "sched-a", NULL});
    s_proc(s, "sched-b", "", false,
           (const char *[]){"xgc-scheduler", "-c", cfg, "--id", "sched-b", NULL});
    s_proc(s, "tail", "", false, (const char *[]){"xgc", "tail", "-c", cfg, NULL});
    for (int i = 1; i <= (int)s->o.pmds; i++) {
        snprintf(pmname, sizeof pmname, "pm%d", i);
        xgc_soak_net_ns(s->o.tag, i, ns, sizeof ns);
        snprintf(sdir, sizeof sdir, "%s/pmd-%s", s->o.dir, pmname);
        s_proc(s, pmname, ns, false,
               (const char *[]){"xgc-pmd", "-c", cfg, "--host", pmname, "--state-dir", sdir,
                                "--lease-ms", lease, "--interval-ms", "500", NULL});
    }
    snprintf(n, sizeof n, "%.0f", s->o.vms);
    s_proc(s, "inject-arrivals", "", true,
           (const char *[]){"xgc", "inject", "arrivals", "-c", cfg, "--count", n, "--batch",
                            "5", "--interval-ms", "500", "--prefix", "soak", "--min", "300",
                            "--max", "900", "--mem", "256", "--utility-min", "2000", "--utility-max", "2000",
                            "--quiet", NULL});
    /* churn and load take their pool of VMs when they start: run them a
     * minute at a time, so that departures and load follow the arrivals */
    s_proc(s, "inject-churn", "", true,
           (const char *[]){"xgc", "inject", "churn", "-c", cfg, "--count", "20",
                            "--interval-ms", "3000", "--duration", "60", "--prefix", "soak",
                            "--min", "300", "--max", "900", "--mem", "256",
                            "--utility-min", "2000", "--utility-max", "2000", "--quiet", NULL});
    s_proc(s, "inject-load", "", true,
           (const char *[]){"xgc", "inject", "load", "-c", cfg, "--count", "1000000",
                            "--duration", "60", "--rate", "0.5", "--pattern", "sine",
                            "--period-s", "60", "--prefix", "soak", "--quiet", NULL});
    s_find(s, "inject-churn")->repeat = true;
    s_find(s, "inject-load")->repeat = true;
    for (int i = 1; i <= (int)s->o.pmds; i++) {
        xgc_soak_pm_t *pm = &s->pms[i - 1];
        snprintf(pm->name, sizeof pm->name, "pm%d", i);
        pm->cpu_mhz = 8000;
        pm->mem_mb = 8192;
    }
}

/* --- the ledger of acknowledged writes ------------------------------------ */

static void s_ledger_key(long n, char *key, size_t len)
{
    snprintf(key, len, "soak/ledger/%04ld", n % LEDGER_SLOTS);
}

static void s_ledger_write(s_soak_t *s)
{
    long acked = s->issued - (long)xgc_bus_pending(s->bus);
    for (long n = s->acked; n < acked; n++)
        s->slot[n % LEDGER_SLOTS] = n;
    s->acked = acked;
    int64_t now = s_now(s);
    if (now < s->next_ledger || xgc_bus_pending(s->bus) > 200)   /* 10/s; broker down */
        return;
    s->next_ledger = now + LEDGER_MS;
    xgc_msg_enc_t enc;
    void *data;
    size_t len;
    char key[64];
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", 1);
    xgc_msg_enc_kv_int(&enc, "n", s->issued);
    xgc_msg_enc_map_end(&enc);
    if (xgc_msg_enc_finish(&enc, &data, &len) < 0)
        return;
    s_ledger_key(s->issued, key, sizeof key);
    if (xgc_bus_set(s->bus, key, data, len, 0) == 0)
        s->issued++;
    free(data);
}

/* Every acknowledged write must be in bus's replica: each slot holds its
 * last acknowledged n, or a later one of ours. Returns how many are lost. */
static long s_ledger_verify(s_soak_t *s, xgc_bus_t *bus, const char *when)
{
    long lost = 0;
    for (long k = 0; k < LEDGER_SLOTS; k++) {
        if (s->slot[k] < 0)
            continue;
        char key[64], err[200], what[300];
        s_ledger_key(k, key, sizeof key);
        size_t len;
        uint64_t seq;
        const uint8_t *v = xgc_bus_get(bus, key, &len, &seq);
        int64_t n = -1;
        xgc_msg_t *m = v ? xgc_msg_decode(v, len, err, sizeof err) : NULL;
        if (m)
            xgc_msg_read_int64(xgc_msg_root(m), "n", true, &n, err, sizeof err);
        xgc_msg_destroy(&m);
        if (n < s->slot[k] || n % LEDGER_SLOTS != k || n >= s->issued) {
            if (lost++ < 5) {
                snprintf(what, sizeof what, "%s: %s holds n=%lld, acknowledged n=%ld", when,
                         key, (long long)n, s->slot[k]);
                xgc_soak_check_add(s->check, s_now(s), "lost_write", what);
            }
        }
    }
    s->ledger_checks++;
    s->ledger_lost += lost;
    return lost;
}

static void s_on_synced(void *arg, uint64_t epoch, uint64_t seq)
{
    (void)seq;
    s_soak_t *s = arg;
    if (s->epoch && epoch != s->epoch)
        s->ledger_due = true;               /* a new broker: check after this tick */
    s->epoch = epoch;
}

/* --- a snapshot of the cluster ----------------------------------------------- */

typedef struct {
    xgc_soak_dom_t *doms; size_t n, cap;
    xgc_soak_spec_t *specs; size_t spec_n, spec_cap;
    xgc_soak_plan_t *plans; size_t plan_n, plan_cap;
} s_snapbuf_t;

static void *s_more(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 64;
    return realloc(arr, *cap * elem);
}

/* The sim driver's state file of pmd i: "dom NAME STATE CPU VCPUS MEM ...". */
static void s_read_doms(s_soak_t *s, int i, s_snapbuf_t *b)
{
    char path[600], line[512];
    snprintf(path, sizeof path, "%s/pmd-pm%d/sim-pm%d.state", s->o.dir, i, i);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char name[XGC_NAME_MAX], st[16];
        unsigned long long cpu;
        int vcpus;
        double mem;
        if (sscanf(line, "dom %63s %15s %llu %d %lf", name, st, &cpu, &vcpus, &mem) != 5)
            continue;
        b->doms = s_more(b->doms, &b->cap, b->n, sizeof *b->doms);
        if (!b->doms)
            break;
        xgc_soak_dom_t *d = &b->doms[b->n++];
        snprintf(d->vm, sizeof d->vm, "%s", name);
        snprintf(d->host, sizeof d->host, "pm%d", i);
        d->mem_mb = mem;
        d->state = !strcmp(st, "creating") ? XGC_SOAK_DOM_CREATING
                 : !strcmp(st, "stopping") ? XGC_SOAK_DOM_STOPPING
                 : !strcmp(st, "indoubt") ? XGC_SOAK_DOM_INDOUBT : XGC_SOAK_DOM_RUNNING;
    }
    fclose(f);
}

/* Identity of a state file version: inode (rename) + mtime. */
static void s_file_id(s_soak_t *s, int i, struct stat *st)
{
    char path[600];
    snprintf(path, sizeof path, "%s/pmd-pm%d/sim-pm%d.state", s->o.dir, i, i);
    if (stat(path, st) < 0)
        memset(st, 0, sizeof *st);
}

static bool s_same(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_size == b->st_size;
}

/* Read every live pmd's hypervisor; a consistent cut is one where no file
 * changed between the first stat and the last read (retried up to 5 times).
 * A dead pmd's simulated hypervisor is down: its VMs run nowhere. */
static bool s_read_all_doms(s_soak_t *s, s_snapbuf_t *b)
{
    int k = (int)s->o.pmds;
    struct stat before[XGC_SOAK_MAX_PMDS + 1], after;
    for (int attempt = 0; attempt < 5; attempt++) {
        b->n = 0;
        for (int i = 1; i <= k; i++)
            s_file_id(s, i, &before[i]);
        for (int i = 1; i <= k; i++)
            if (s->procs[4 + i - 1].pid > 0)
                s_read_doms(s, i, b);
        bool same = true;
        for (int i = 1; i <= k && same; i++) {
            s_file_id(s, i, &after);
            same = s_same(&before[i], &after);
        }
        if (same)
            return true;
    }
    return false;
}

static void s_each_spec(void *arg, const char *key, const uint8_t *v, size_t len,
                        uint64_t seq)
{
    (void)seq;
    s_snapbuf_t *b = arg;
    const char *name = key + 3, *slash = strchr(name, '/');
    if (!slash || strcmp(slash, "/spec") || slash - name >= XGC_NAME_MAX)
        return;
    b->specs = s_more(b->specs, &b->spec_cap, b->spec_n, sizeof *b->specs);
    if (!b->specs)
        return;
    xgc_soak_spec_t *sp = &b->specs[b->spec_n++];
    xgc_vm_spec_t vm;
    char err[256];
    memset(sp, 0, sizeof *sp);
    snprintf(sp->name, (size_t)(slash - name) + 1, "%s", name);
    sp->valid = xgc_msg_vm_spec_decode(v, len, &vm, err, sizeof err) == 0 &&
                xgc_vm_spec_validate(&vm, err, sizeof err) == 0 && !strcmp(vm.name, sp->name);
    sp->mem_mb = sp->valid ? vm.mem_mb : 0;
    sp->min_mhz = sp->valid ? vm.min_mhz : 0;
}

static void s_each_plan(void *arg, const char *key, const uint8_t *v, size_t len,
                        uint64_t seq)
{
    (void)key;
    (void)seq;
    s_snapbuf_t *b = arg;
    xgc_plan_entry_t e;
    char err[256];
    if (xgc_msg_plan_entry_decode(v, len, &e, err, sizeof err) < 0)
        return;
    b->plans = s_more(b->plans, &b->plan_cap, b->plan_n, sizeof *b->plans);
    if (!b->plans)
        return;
    xgc_soak_plan_t *p = &b->plans[b->plan_n++];
    snprintf(p->vm, sizeof p->vm, "%s", e.vm);
    snprintf(p->host, sizeof p->host, "%s", e.host);
    p->run = e.state == XGC_PLAN_RUN;
    p->migrating = e.from[0] != 0;
    p->round = e.round;
}

static void s_print_new(s_soak_t *s, int v)
{
    size_t total = xgc_soak_check_violations(s->check);
    for (size_t i = total - (size_t)v; i < total; i++)
        fprintf(stderr, "xgc soak: VIOLATION %s\n", xgc_soak_check_violation(s->check, i));
}

/* Every tick: the hypervisors alone (no VM on two PMs, no PM over memory). */
static void s_check_fast(s_soak_t *s)
{
    s_snapbuf_t b = {0};
    xgc_soak_snap_t snap = {.now_ms = s_now(s), .pms = s->pms, .pm_n = (size_t)s->o.pmds};
    snap.doms_consistent = s_read_all_doms(s, &b);
    snap.doms = b.doms;
    snap.dom_n = b.n;
    s_print_new(s, xgc_soak_check_hypervisors(s->check, &snap));
    s->fast_checks++;
    free(b.doms);
}

static void s_check(s_soak_t *s)
{
    s_snapbuf_t b = {0};
    xgc_soak_snap_t snap = {.now_ms = s_now(s)};
    snap.doms_consistent = s_read_all_doms(s, &b);
    for (int i = 0; i < (int)s->o.pmds; i++) {
        char key[128];
        size_t len;
        uint64_t seq;
        snprintf(key, sizeof key, XGC_KEY_PM_ALIVE, s->pms[i].name);
        s->pms[i].up = s->procs[4 + i].pid > 0 && !s->link_cut[i + 1];
        /* alive = a heartbeat from the pmd that runs now, not a dead one's */
        const uint8_t *v = xgc_bus_get(s->bus, key, &len, &seq);
        xgc_heartbeat_t hb;
        char err[200];
        s->pms[i].alive = v && xgc_msg_heartbeat_decode(v, len, &hb, err, sizeof err) == 0 &&
                          hb.pid == s->procs[4 + i].pid;
    }
    size_t len;
    uint64_t seq;
    snap.synced = xgc_bus_synced(s->bus);
    snap.leader = xgc_bus_get(s->bus, XGC_KEY_SCHED_LEADER, &len, &seq) != NULL;
    xgc_bus_foreach(s->bus, "vm/", s_each_spec, &b);
    xgc_bus_foreach(s->bus, "plan/", s_each_plan, &b);
    snap.pms = s->pms;
    snap.pm_n = (size_t)s->o.pmds;
    snap.doms = b.doms;
    snap.dom_n = b.n;
    snap.specs = b.specs;
    snap.spec_n = b.spec_n;
    snap.plans = b.plans;
    snap.plan_n = b.plan_n;
    s_print_new(s, xgc_soak_check_run(s->check, &snap, &s->converged, s->why, sizeof s->why));
    s->checks++;
    s->unconverged_checks += !s->converged;
    s->specs_now = b.spec_n;
    s->doms_now = b.n;
    s->plans_now = b.plan_n;
    s->specs_max = b.spec_n > s->specs_max ? b.spec_n : s->specs_max;
    s->doms_max = b.n > s->doms_max ? b.n : s->doms_max;
    free(b.doms);
    free(b.specs);
    free(b.plans);
}

/* --- processes: deaths, memory -------------------------------------------- */

static void s_reap(s_soak_t *s)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < s->proc_n; i++) {
            xgc_soak_proc_t *p = &s->procs[i];
            if (p->pid != pid)
                continue;
            bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!p->killed && !(p->expect_exit && clean) && !s_stop) {
                char what[200];
                snprintf(what, sizeof what, "%s (pid %d) %s %d", p->name, (int)pid,
                         WIFSIGNALED(status) ? "died of signal" : "exited with status",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                xgc_soak_check_add(s->check, s_now(s), "died", what);
                fprintf(stderr, "xgc soak: VIOLATION %s (log: %s/log/%s.log)\n", what,
                        s->o.dir, p->name);
                bool restart = !p->expect_exit;
                xgc_soak_proc_ended(p);
                if (restart)
                    xgc_soak_proc_start(p, s->cfg);
            } else {
                xgc_soak_proc_ended(p);
                if (p->repeat && clean && !s_stop)
                    xgc_soak_proc_start(p, s->cfg);
            }
        }
    }
}

static void s_sample_rss(s_soak_t *s)
{
    for (size_t i = 0; i < s->proc_n; i++)
        if (s->procs[i].pid > 0 && !s->procs[i].expect_exit)
            xgc_soak_proc_rss(&s->procs[i]);
}

/* Broker counters: requests, writes, dropped_frames, events_in, tap_dropped,
 * duplicates — summed over the broker's lives (they restart at 0). */
static const char *const s_status_fields[6] = {
    "requests", "writes", "dropped_frames", "events_in", "tap_dropped", "duplicates"};

static void s_status(s_soak_t *s)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (xgc_bus_status(s->bus, 300, &data, &len) < 0)
        return;
    char err[200];
    xgc_msg_t *m = xgc_msg_decode(data, len, err, sizeof err);
    for (int i = 0; m && i < 6; i++) {
        int64_t v = 0;
        xgc_msg_read_int64(xgc_msg_root(m), s_status_fields[i], false, &v, err, sizeof err);
        if (v < s->st_prev[i])          /* a new broker */
            s->st_prev[i] = 0;
        s->st_sum[i] += v - s->st_prev[i];
        s->st_prev[i] = v;
    }
    xgc_msg_destroy(&m);
    free(data);
}

/* Messages the stalled subscriber lost: the sum of xgc tail's gap reports
 * ("xgc tail: gap: N messages lost") in its log. */
static long s_tail_lost(s_soak_t *s)
{
    char path[600], line[4096];
    snprintf(path, sizeof path, "%s/log/tail.log", s->o.dir);
    FILE *f = fopen(path, "r");
    long lost = 0;
    unsigned long long n;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "xgc tail: gap: %llu messages lost", &n) == 1)
            lost += (long)n;
    if (f)
        fclose(f);
    return lost;
}

/* --- faults -------------------------------------------------------------------- */

/* A host with a VM migrating (in or out) per the pmds' reports, or NULL. */
typedef struct { char host[XGC_NAME_MAX]; } s_mig_t;

static void s_each_actual(void *arg, const char *key, const uint8_t *v, size_t len,
                          uint64_t seq)
{
    (void)key;
    (void)seq;
    s_mig_t *m = arg;
    xgc_vm_actual_t a;
    char err[200];
    if (!m->host[0] && xgc_msg_vm_actual_decode(v, len, &a, err, sizeof err) == 0 &&
        (a.state == XGC_VM_MIGRATING_OUT || a.state == XGC_VM_MIGRATING_IN))
        snprintf(m->host, sizeof m->host, "%s", a.host);
}

static int s_pm_index(const char *host)
{
    return !strncmp(host, "pm", 2) ? atoi(host + 2) : 0;
}

static void s_drain(s_soak_t *s, int i, bool drain)
{
    xgc_pm_admin_t adm = {.drain = drain};
    void *data;
    size_t len;
    char key[128];
    snprintf(adm.host, sizeof adm.host, "pm%d", i);
    snprintf(key, sizeof key, XGC_KEY_PM_ADMIN, adm.host);
    if (xgc_msg_pm_admin_encode(&adm, &data, &len) == 0) {
        xgc_bus_set(s->bus, key, data, len, 0);
        free(data);
    }
}

/* The most loaded live pmd (by its hypervisor), to provoke a migration. */
static int s_busiest(s_soak_t *s)
{
    int best = 0;
    long most = 0;
    for (int i = 1; i <= (int)s->o.pmds; i++) {
        char path[600], line[512];
        snprintf(path, sizeof path, "%s/pmd-pm%d/sim-pm%d.state", s->o.dir, i, i);
        FILE *f = fopen(path, "r");
        long n = 0;
        while (f && fgets(line, sizeof line, f))
            n += !strncmp(line, "dom ", 4);
        if (f)
            fclose(f);
        if (n > most && s->procs[4 + i - 1].pid > 0) {
            most = n;
            best = i;
        }
    }
    return best;
}

/* One junk sender: a DEALER on the state port and a PUB on the events
 * port, with keys sec (NULL: plaintext). */
static void s_junk_sender(s_soak_t *s, int i, xgc_security_client_t *sec, bool unauth)
{
    char ep[128];
    s->junk[i].unauth = unauth;
    s->junk[i].dealer = zsock_new(ZMQ_DEALER);
    s->junk[i].pub = zsock_new(ZMQ_PUB);
    if (!s->junk[i].dealer || !s->junk[i].pub) {
        zsock_destroy(&s->junk[i].dealer);
        zsock_destroy(&s->junk[i].pub);
        return;
    }
    xgc_security_client_apply(sec, s->junk[i].dealer);
    xgc_security_client_apply(sec, s->junk[i].pub);
    xgc_config_endpoint(s->cfg, XGC_PORT_STATE, ep, sizeof ep);
    zsock_connect(s->junk[i].dealer, "%s", ep);
    xgc_config_endpoint(s->cfg, XGC_PORT_EV_IN, ep, sizeof ep);
    zsock_connect(s->junk[i].pub, "%s", ep);
}

/* Plaintext: one sender. With CURVE: a plaintext one and one with a key
 * the broker does not know (both unauthenticated: refused at the
 * handshake), and one with the operator's key, whose junk reaches the
 * broker's parser as in plaintext mode. */
static void s_junk_open(s_soak_t *s)
{
    char err[512], dir[600];
    s_junk_sender(s, 0, NULL, s->o.curve);
    if (!s->o.curve)
        return;
    snprintf(dir, sizeof dir, "%s/probe", s->o.dir);
    xgc_security_client_t *sec = xgc_soak_intruder(s->cfg, dir, err, sizeof err);
    s_junk_sender(s, 1, sec, true);
    xgc_security_client_destroy(&sec);
    sec = xgc_soak_client_as(s->cfg, "operator", err, sizeof err);
    s_junk_sender(s, 2, sec, false);
    xgc_security_client_destroy(&sec);
}

static void s_junk_close(s_soak_t *s)
{
    for (int i = 0; i < 3; i++) {
        zsock_destroy(&s->junk[i].dealer);
        zsock_destroy(&s->junk[i].pub);
    }
}

/* One tick of the flood: malformed requests and events, and a few frames
 * larger than broker.max_msg_bytes, from each sender; the unauthenticated
 * ones also send a well-formed write, which must never land. */
static void s_junk_send_one(s_soak_t *s, zsock_t *dealer, zsock_t *pub, int count)
{
    static const char *const verbs[] = {"SET", "ICANHAZ", "DEL", "STATUS", "XYZZY", ""};
    uint8_t buf[256];
    zsock_set_sndtimeo(dealer, 0);
    zsock_set_sndtimeo(pub, 0);
    for (int i = 0; i < count; i++) {
        for (size_t k = 0; k < sizeof buf; k++)
            buf[k] = (uint8_t)(rand() & 0xff);
        zmsg_t *m = zmsg_new();
        zmsg_addstr(m, verbs[i % 6]);
        zmsg_addmem(m, buf, (size_t)(rand() % 64));
        if (i % 3 == 0)
            zmsg_addmem(m, buf, (size_t)(rand() % 256));
        if (zmsg_send(&m, dealer) < 0)
            zmsg_destroy(&m);
        zstr_sendm(pub, i % 2 ? "metric.vm.soak-junk" : "plan.round");
        zmq_send(zsock_resolve(pub), buf, (size_t)(rand() % 200), ZMQ_DONTWAIT);
        s->junk_sent += 2;
    }
    size_t big = (size_t)s->cfg->max_msg_bytes + 4096;
    uint8_t *huge = calloc(1, big);
    if (huge) {
        huge[0] = 0x81;
        zmq_send(zsock_resolve(dealer), huge, big, ZMQ_DONTWAIT);
        zmq_send(zsock_resolve(pub), "metric.vm.x", 11, ZMQ_DONTWAIT | ZMQ_SNDMORE);
        zmq_send(zsock_resolve(pub), huge, big, ZMQ_DONTWAIT);
        s->junk_sent += 2;
        free(huge);
    }
}

static void s_junk_send(s_soak_t *s)
{
    int senders = s->o.curve ? 3 : 1;
    for (int i = 0; i < senders; i++) {
        if (!s->junk[i].dealer || !s->junk[i].pub)
            continue;
        long before = s->junk_sent;
        s_junk_send_one(s, s->junk[i].dealer, s->junk[i].pub, 200 / senders);
        if (s->junk[i].unauth) {
            char key[128];
            snprintf(key, sizeof key, "soak/%s/junk-%d", XGC_SOAK_PROBE_MARK, i);
            xgc_soak_probe_send_set(s->junk[i].dealer, "junk", key, i);
            s->junk_sent++;
            s->junk_unauth += s->junk_sent - before;
        }
    }
}

/* --- security probes ---------------------------------------------------------- */

static void s_probe_start(s_soak_t *s, s_fault_t *f, int i)
{
    char dir[600], host[32], other[32], ledger[64];
    long n = s->probes.probes + 1;
    if (f->f.kind == XGC_SOAK_F_PROBE_KEY) {
        snprintf(f->target, sizeof f->target, "broker (unknown key)");
        snprintf(dir, sizeof dir, "%s/probe", s->o.dir);
        s->probe = xgc_soak_probe_unknown(s->cfg, dir, n);
        return;
    }
    /* pmd i's key: another PM's key, a plan entry, and one of our ledger
     * keys that holds an acknowledged value */
    snprintf(host, sizeof host, "pm%d", i);
    snprintf(other, sizeof other, "pm%d", i % (int)s->o.pmds + 1);
    s_ledger_key(s->acked > 0 ? s->acked - 1 : 0, ledger, sizeof ledger);
    snprintf(f->target, sizeof f->target, "pmd-%s", host);
    s->probe = xgc_soak_probe_role(s->cfg, host, s->o.pmds > 1 ? other : NULL,
                                   s->acked > 0 ? ledger : NULL, n);
}

static void s_probe_end(s_soak_t *s)
{
    char what[1500];
    if (xgc_soak_probe_end(&s->probe, s->bus, &s->probes, what, sizeof what) > 0) {
        xgc_soak_check_add(s->check, s_now(s), "security", what);
        fprintf(stderr, "xgc soak: VIOLATION security probe accepted: %s\n", what);
    } else if (!s->o.json) {
        fprintf(stderr, "xgc soak: probe: %s\n", what);
    }
}

/* Every change the soak's replica sees: a probe's key appearing, or one of
 * our ledger keys deleted (we never delete them), means the broker let an
 * unauthorised write through. */
static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)len;
    (void)seq;
    s_soak_t *s = arg;
    char what[300];
    if ((value && strstr(key, XGC_SOAK_PROBE_MARK)) || (!value && !strncmp(key, "soak/ledger/", 12))) {
        snprintf(what, sizeof what, "%s %s: an unauthorised write landed", key,
                 value ? "appeared" : "was deleted");
        xgc_soak_check_add(s->check, s_now(s), "security", what);
        fprintf(stderr, "xgc soak: VIOLATION security %s\n", what);
    }
}

static xgc_soak_proc_t *s_leader_proc(s_soak_t *s)
{
    size_t len;
    uint64_t seq;
    const uint8_t *v = xgc_bus_get(s->bus, XGC_KEY_SCHED_LEADER, &len, &seq);
    xgc_lease_t lease;
    char err[200];
    if (v && xgc_msg_lease_decode(v, len, &lease, err, sizeof err) == 0)
        return s_find(s, lease.owner);
    return s_find(s, "sched-a");
}

/* Start fault f. Returns false to wait (mid-migration: no migration yet). */
static bool s_fault_start(s_soak_t *s, s_fault_t *f, int64_t now)
{
    xgc_soak_proc_t *p = NULL;
    int i = f->f.target + 1;
    switch (f->f.kind) {
    case XGC_SOAK_F_BROKER:
        p = s_find(s, "broker");
        break;
    case XGC_SOAK_F_SCHED:
        p = s_leader_proc(s);
        break;
    case XGC_SOAK_F_PMD_MIG: {
        s_mig_t m = {{0}};
        xgc_bus_foreach(s->bus, "pm/", s_each_actual, &m);
        if (m.host[0] && s_pm_index(m.host) > 0) {
            i = s_pm_index(m.host);
            f->mid_migration = true;
        } else if (now - f->f.at_ms < 20000) {
            if (!s->drained && (s->drained = s_busiest(s)) > 0)
                s_drain(s, s->drained, true);     /* make the scheduler move VMs */
            return false;
        }
    }
        __attribute__((fallthrough));   /* then it is a pmd kill */
    case XGC_SOAK_F_PMD:
        snprintf(f->target, sizeof f->target, "pm%d", i);
        p = s_find(s, f->target);
        break;
    case XGC_SOAK_F_LINK:
        snprintf(f->target, sizeof f->target, "pm%d", i);
        xgc_soak_net_link(s->o.tag, i, false);
        s->link_cut[i] = true;
        break;
    case XGC_SOAK_F_STALL:
        snprintf(f->target, sizeof f->target, "tail");
        xgc_soak_proc_signal(s_find(s, "tail"), SIGSTOP);
        break;
    case XGC_SOAK_F_JUNK:
        snprintf(f->target, sizeof f->target, "broker");
        s_junk_open(s);
        break;
    case XGC_SOAK_F_PROBE_KEY: case XGC_SOAK_F_PROBE_ROLE:
        s_probe_start(s, f, i);
        break;
    case XGC_SOAK_F_BADSPEC:
        snprintf(f->target, sizeof f->target, "vm/soakbad-*");
        p = s_find(s, "inject-bad");
        if (p && p->pid <= 0)
            xgc_soak_proc_start(p, s->cfg);
        p = NULL;
        break;
    default:
        break;
    }
    if (p) {
        snprintf(f->target, sizeof f->target, "%s", p->name);
        xgc_soak_proc_signal(p, SIGKILL);
    }
    return true;
}

static void s_fault_repair(s_soak_t *s, s_fault_t *f)
{
    switch (f->f.kind) {
    case XGC_SOAK_F_BROKER: case XGC_SOAK_F_SCHED: case XGC_SOAK_F_PMD:
    case XGC_SOAK_F_PMD_MIG: {
        xgc_soak_proc_t *p = s_find(s, f->target);
        if (p && p->pid <= 0)
            xgc_soak_proc_start(p, s->cfg);
        if (s->drained) {
            s_drain(s, s->drained, false);
            s->drained = 0;
        }
        break;
    }
    case XGC_SOAK_F_LINK: {
        int i = s_pm_index(f->target);
        xgc_soak_net_link(s->o.tag, i, true);
        s->link_cut[i] = false;
        break;
    }
    case XGC_SOAK_F_STALL:
        xgc_soak_proc_signal(s_find(s, "tail"), SIGCONT);
        break;
    case XGC_SOAK_F_JUNK:
        s_junk_close(s);
        break;
    case XGC_SOAK_F_PROBE_KEY: case XGC_SOAK_F_PROBE_ROLE:
        s_probe_end(s);
        break;
    default:
        break;
    }
}

/* Advance the current fault: start when due (and the previous one settled),
 * repair after its hold, then wait for convergence up to the bound. */
static void s_faults(s_soak_t *s, int64_t now)
{
    if (s->fault_i >= s->fault_n)
        return;
    s_fault_t *f = &s->faults[s->fault_i];
    if (f->phase == 0 && now >= f->f.at_ms && now < (int64_t)(s->o.duration_s * 1000) - 15000
        && s_fault_start(s, f, now)) {
        f->started_ms = now;
        f->epoch = s->epoch;                /* a new broker has a new epoch */
        f->phase = 1;
        if (!s->o.json)
            fprintf(stderr, "xgc soak: %7.1fs fault %s on %s for %.1f s%s\n",
                    (double)now / 1000, xgc_soak_fault_name(f->f.kind), f->target,
                    (double)f->f.hold_ms / 1000,
                    f->mid_migration ? " (mid-migration)" : "");
    } else if (f->phase == 1 && f->f.kind == XGC_SOAK_F_JUNK) {
        s_junk_send(s);
    } else if (f->phase == 1) {
        xgc_soak_probe_poll(s->probe);
    }
    bool probe = f->f.kind == XGC_SOAK_F_PROBE_KEY || f->f.kind == XGC_SOAK_F_PROBE_ROLE;
    bool waits = probe && !xgc_soak_probe_settled(s->probe) &&   /* a slow answer */
                 now - f->started_ms < f->f.hold_ms + PROBE_WAIT_MS;
    if (f->phase == 1 && now - f->started_ms >= f->f.hold_ms && !waits) {
        s_fault_repair(s, f);
        f->repaired_ms = now;
        f->phase = 2;
    } else if (f->phase == 2 && s->converged && now - f->repaired_ms >= CHECK_MS &&
               (f->f.kind != XGC_SOAK_F_BROKER || s->epoch != f->epoch)) {
        f->converged_ms = now;
        f->phase = 3;
    } else if (f->phase == 2 && now - f->repaired_ms > (int64_t)(s->o.bound_s * 1000)) {
        char what[512];
        snprintf(what, sizeof what, "after %s on %s: still %s", xgc_soak_fault_name(f->f.kind),
                 f->target, s->why);
        xgc_soak_check_add(s->check, now, "no_convergence", what);
        fprintf(stderr, "xgc soak: VIOLATION no convergence %s\n", what);
        f->phase = 3;
    }
    if (f->phase == 3)
        s->fault_i++;
}

/* --- the report ---------------------------------------------------------------- */

static json_t *s_report_json(s_soak_t *s, int64_t end_ms, long final_lost, bool interrupted)
{
    json_t *r = json_object();
    json_object_set_new(r, "duration_s", json_real((double)end_ms / 1000));
    json_object_set_new(r, "seed", json_integer((json_int_t)s->o.seed));
    json_object_set_new(r, "pmds", json_integer((json_int_t)s->o.pmds));
    json_object_set_new(r, "interrupted", json_boolean(interrupted));
    json_object_set_new(r, "security", json_pack("{s:s, s:I, s:I, s:I, s:I}", "mode",
                        s->o.curve ? "curve" : "none", "probes", (json_int_t)s->probes.probes,
                        "refused", (json_int_t)s->probes.refused, "accepted",
                        (json_int_t)s->probes.accepted, "inconclusive",
                        (json_int_t)s->probes.inconclusive));
    json_t *faults = json_array(), *kinds = json_object();
    double conv[MAX_FAULTS];
    size_t nc = 0, injected = 0, timed_out = 0;
    for (size_t i = 0; i < s->fault_n; i++) {
        s_fault_t *f = &s->faults[i];
        if (f->phase == 0)
            continue;
        injected++;
        const char *k = xgc_soak_fault_name(f->f.kind);
        json_object_set_new(kinds, k, json_integer(json_integer_value(json_object_get(kinds, k)) + 1));
        json_t *o = json_pack("{s:s, s:s, s:f, s:b}", "kind", k, "target", f->target,
                              "at_s", (double)f->started_ms / 1000, "mid_migration",
                              f->mid_migration);
        if (f->converged_ms >= 0) {
            conv[nc] = (double)(f->converged_ms - f->repaired_ms) / 1000;
            json_object_set_new(o, "converged_s", json_real(conv[nc++]));
        } else if (f->phase == 3) {
            timed_out++;
        }
        json_array_append_new(faults, o);
    }
    double maxc = 0;
    for (size_t i = 0; i < nc; i++)
        maxc = conv[i] > maxc ? conv[i] : maxc;
    json_object_set_new(r, "faults_scheduled", json_integer((json_int_t)s->fault_n));
    json_object_set_new(r, "faults_injected", json_integer((json_int_t)injected));
    json_object_set_new(r, "faults_by_kind", kinds);
    json_object_set_new(r, "faults", faults);
    json_object_set_new(r, "convergence", json_pack("{s:i, s:i, s:f, s:f}", "measured", (int)nc,
                        "timed_out", (int)timed_out, "median_s", xgc_stats_median(conv, nc),
                        "max_s", maxc));
    json_t *v = json_array();
    for (size_t i = 0; i < xgc_soak_check_violations(s->check); i++)
        json_array_append_new(v, json_string(xgc_soak_check_violation(s->check, i)));
    json_object_set_new(r, "violations", v);
    json_t *msgs = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "tail_lost",
                             (json_int_t)s->tail_lost, "ledger_writes", (json_int_t)s->issued,
                             "ledger_acked", (json_int_t)s->acked, "ledger_checks",
                             (json_int_t)s->ledger_checks, "ledger_lost",
                             (json_int_t)(s->ledger_lost + final_lost), "junk_sent",
                             (json_int_t)s->junk_sent);
    if (s->o.curve)
        json_object_set_new(msgs, "junk_unauthenticated", json_integer(s->junk_unauth));
    for (int i = 0; i < 6; i++)
        json_object_set_new(msgs, s_status_fields[i], json_integer(s->st_sum[i]));
    json_object_set_new(r, "messages", msgs);
    json_object_set_new(r, "checks", json_pack("{s:I, s:I, s:I}", "total",
                        (json_int_t)s->checks, "unconverged", (json_int_t)s->unconverged_checks,
                        "hypervisor_only", (json_int_t)s->fast_checks));
    json_object_set_new(r, "cluster", json_pack("{s:i, s:i, s:i, s:i, s:i}", "specs",
                        (int)s->specs_now, "specs_max", (int)s->specs_max, "domains",
                        (int)s->doms_now, "domains_max", (int)s->doms_max, "plan_entries",
                        (int)s->plans_now));
    json_t *mem = json_object();
    for (size_t i = 0; i < s->proc_n; i++) {
        xgc_soak_proc_t *p = &s->procs[i];
        if (p->expect_exit || !p->starts)
            continue;
        json_object_set_new(mem, p->name, json_pack("{s:f, s:f, s:b, s:i}", "rss_max_kb",
                            p->rss_hw_kb, "growth", p->growth_max, "leak", p->leaked,
                            "starts", p->starts));
    }
    json_object_set_new(r, "memory", mem);
    return r;
}

static void s_report_text(json_t *r)
{
    json_t *c = json_object_get(r, "convergence"), *m = json_object_get(r, "messages");
    json_t *sec = json_object_get(r, "security");
    printf("xgc soak: %.0f s, %lld pmds, seed %lld, security %s%s\n",
           json_real_value(json_object_get(r, "duration_s")),
           (long long)json_integer_value(json_object_get(r, "pmds")),
           (long long)json_integer_value(json_object_get(r, "seed")),
           json_string_value(json_object_get(sec, "mode")),
           json_is_true(json_object_get(r, "interrupted")) ? " (interrupted)" : "");
    printf("faults injected: %lld of %lld scheduled\n",
           (long long)json_integer_value(json_object_get(r, "faults_injected")),
           (long long)json_integer_value(json_object_get(r, "faults_scheduled")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(r, "faults_by_kind"), k, v)
        printf("  %-20s %lld\n", k, (long long)json_integer_value(v));
    printf("convergence after a fault: median %.1f s, max %.1f s (%lld measured, %lld "
           "timed out)\n", json_real_value(json_object_get(c, "median_s")),
           json_real_value(json_object_get(c, "max_s")),
           (long long)json_integer_value(json_object_get(c, "measured")),
           (long long)json_integer_value(json_object_get(c, "timed_out")));
    json_t *cl = json_object_get(r, "cluster"), *ck = json_object_get(r, "checks");
    printf("cluster at the end: %lld VM specs (max %lld), %lld domains on the hypervisors (max "
           "%lld), %lld plan entries; %lld checks (%lld not converged) + %lld of the hypervisors alone\n",
           (long long)json_integer_value(json_object_get(cl, "specs")),
           (long long)json_integer_value(json_object_get(cl, "specs_max")),
           (long long)json_integer_value(json_object_get(cl, "domains")),
           (long long)json_integer_value(json_object_get(cl, "domains_max")),
           (long long)json_integer_value(json_object_get(cl, "plan_entries")),
           (long long)json_integer_value(json_object_get(ck, "total")),
           (long long)json_integer_value(json_object_get(ck, "unconverged")),
           (long long)json_integer_value(json_object_get(ck, "hypervisor_only")));
    if (strcmp(json_string_value(json_object_get(sec, "mode")), "none"))
        printf("security probes: %lld, refused: %lld, accepted: %lld, inconclusive: %lld\n",
               (long long)json_integer_value(json_object_get(sec, "probes")),
               (long long)json_integer_value(json_object_get(sec, "refused")),
               (long long)json_integer_value(json_object_get(sec, "accepted")),
               (long long)json_integer_value(json_object_get(sec, "inconclusive")));
    printf("messages:");
    json_object_foreach(m, k, v)
        printf(" %s=%lld", k, (long long)json_integer_value(v));
    printf("\nmemory high-water (RSS):\n");
    json_object_foreach(json_object_get(r, "memory"), k, v)
        printf("  %-16s %8.0f KB  growth x%.2f%s  starts %lld\n", k,
               json_real_value(json_object_get(v, "rss_max_kb")),
               json_real_value(json_object_get(v, "growth")),
               json_is_true(json_object_get(v, "leak")) ? "  LEAK" : "",
               (long long)json_integer_value(json_object_get(v, "starts")));
    json_t *viol = json_object_get(r, "violations");
    printf("invariant violations: %zu\n", json_array_size(viol));
    size_t i;
    json_array_foreach(viol, i, v)
        printf("  %s\n", json_string_value(v));
}

/* --- setup, run, teardown -------------------------------------------------- */

static void s_teardown(s_soak_t *s)
{
    for (size_t i = 0; i < s->proc_n; i++)
        if (s->procs[i].pid > 0) {
            xgc_soak_proc_signal(&s->procs[i], SIGCONT);
            xgc_soak_proc_signal(&s->procs[i], SIGTERM);
        }
    for (int w = 0; w < 30; w++) {
        s_reap(s);
        bool any = false;
        for (size_t i = 0; i < s->proc_n; i++)
            any |= s->procs[i].pid > 0;
        if (!any)
            break;
        usleep(100000);
    }
    for (size_t i = 0; i < s->proc_n; i++)
        xgc_soak_proc_signal(&s->procs[i], SIGKILL);
    s_reap(s);
    if (s->cfg)
        xgc_deploy_stop_all(s->cfg, 2000, NULL);
    xgc_soak_net_down(s->o.tag);
}

/* Stop what a previous run in dir left running (by its pid files). */
static int s_leftovers(const char *dir)
{
    char path[512], err[512];
    if (strlen(dir) > sizeof path - 16)
        return 0;
    snprintf(path, sizeof path, "%.400s/soak.yaml", dir);
    xgc_config_t *cfg = access(path, R_OK) == 0 ? xgc_config_load(path, err, sizeof err) : NULL;
    int n = cfg ? xgc_deploy_stop_all(cfg, 2000, NULL) : 0;
    xgc_config_destroy(&cfg);
    return n;
}

static int s_setup(s_soak_t *s, char *cfgpath, size_t len)
{
    char cmd[1024], err[512];
    s_leftovers(s->o.dir);
    xgc_soak_net_down(s->o.tag);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/log' '%s/run'", s->o.dir,
             s->o.dir, s->o.dir);
    if (system(cmd) != 0 || s_write_config(s, cfgpath, len) < 0) {
        fprintf(stderr, "xgc soak: cannot prepare %s\n", s->o.dir);
        return -1;
    }
    snprintf(cmd, sizeof cmd, "'%s/xgc' keygen -c '%s' > '%s/log/keygen.log' 2>&1",
             xgc_deploy_bindir(), cfgpath, s->o.dir);
    if (s->o.curve && system(cmd) != 0) {      /* the operator's own tool makes the keys */
        fprintf(stderr, "xgc soak: xgc keygen failed (%s/log/keygen.log)\n", s->o.dir);
        return -1;
    }
    s->cfg = xgc_config_load(cfgpath, err, sizeof err);
    if (!s->cfg) {
        fprintf(stderr, "xgc soak: %s\n", err);
        return -1;
    }
    if (xgc_soak_net_up(s->o.tag, (int)s->o.pmds) < 0 ||
        xgc_soak_net_enter_core(s->o.tag) < 0)
        return -1;
    return 0;
}

static void s_run(s_soak_t *s)
{
    int64_t end = (int64_t)(s->o.duration_s * 1000);
    for (size_t i = 0; i < s->proc_n; i++)
        if (strcmp(s->procs[i].name, "inject-bad") && strncmp(s->procs[i].name, "inject-", 7))
            xgc_soak_proc_start(&s->procs[i], s->cfg);
    int64_t inject_at = 3000;
    bool injected = false;
    while (!s_stop && s_now(s) < end) {
        int64_t now = s_now(s);
        xgc_bus_poll(s->bus, TICK_MS);
        s_reap(s);
        if (!injected && now >= inject_at) {
            for (size_t i = 0; i < s->proc_n; i++)
                if (!strncmp(s->procs[i].name, "inject-", 7) &&
                    strcmp(s->procs[i].name, "inject-bad"))
                    xgc_soak_proc_start(&s->procs[i], s->cfg);
            injected = true;
        }
        s_ledger_write(s);
        if (now >= s->next_check) {
            s_check(s);
            if (s->ledger_due && xgc_bus_synced(s->bus)) {
                s_ledger_verify(s, s->bus, "after a broker restart");
                s->ledger_due = false;
            }
            s->next_check = now + CHECK_MS;
        } else if (now >= s->next_fast) {
            s_check_fast(s);
            s->next_fast = now + TICK_MS;
        }
        s_faults(s, now);
        if (now >= s->next_rss) {
            s_sample_rss(s);
            s->next_rss = now + RSS_MS;
        }
        if (now >= s->next_status) {
            s_status(s);
            s->next_status = now + STATUS_MS;
        }
    }
}

/* The last word on the ledger: a fresh client, a fresh snapshot. */
static long s_final_ledger(s_soak_t *s)
{
    xgc_bus_flush(s->bus, 3000);
    long acked = s->issued - (long)xgc_bus_pending(s->bus);
    for (long n = s->acked; n < acked; n++)
        s->slot[n % LEDGER_SLOTS] = n;
    s->acked = acked;
    xgc_bus_t *fresh = xgc_bus_new(s->cfg, "soak-verify");
    if (!fresh || xgc_bus_watch(fresh, "soak/") < 0 || xgc_bus_wait_synced(fresh, 5000) < 0) {
        xgc_soak_check_add(s->check, s_now(s), "lost_write", "final check: no snapshot");
        xgc_bus_destroy(&fresh);
        return 1;
    }
    long lost = s_ledger_verify(s, fresh, "at the end");
    xgc_bus_destroy(&fresh);
    return lost;
}

static void s_leak_violations(s_soak_t *s)
{
    for (size_t i = 0; i < s->proc_n; i++) {
        xgc_soak_proc_t *p = &s->procs[i];
        if (p->pid > 0 && !p->expect_exit) {
            /* close the current life's series without reaping */
            double g = xgc_soak_rss_growth(p->rss, p->rss_n);
            p->growth_max = g > p->growth_max ? g : p->growth_max;
            p->leaked |= xgc_soak_rss_leaks(p->rss, p->rss_n);
        }
        if (p->leaked) {
            char what[200];
            snprintf(what, sizeof what, "%s RSS grew x%.2f over its life (max %.0f KB)",
                     p->name, p->growth_max, p->rss_hw_kb);
            xgc_soak_check_add(s->check, s_now(s), "memory", what);
        }
    }
}

static void s_install_signals(void)
{
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

XGC_COMMAND(soak, "multi-host soak test in network namespaces, with faults and invariants")
{
    static s_soak_t soak;
    s_soak_t *s = &soak;
    if (argc > 1 && !strcmp(argv[1], "--netns-exec"))
        return xgc_soak_netns_exec(argc - 2, argv + 2);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(s_usage, stdout);
            return 0;
        }
    if (s_parse(&s->o, argc, argv) < 0)
        return 2;
    if (s->o.cleanup) {
        int n = s_leftovers(s->o.dir);
        xgc_soak_net_down(s->o.tag);
        printf("xgc soak: cleaned up (%d processes killed, %s-* namespaces removed)\n", n,
               s->o.tag);
        return 0;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "xgc soak: needs root (network namespaces)\n");
        return 1;
    }
    s_install_signals();
    unsetenv("XGC_CERT");           /* every component uses its own role's certificate */
    char cfgpath[512];
    memset(s->slot, 0xff, sizeof s->slot);
    int rc = s_setup(s, cfgpath, sizeof cfgpath);
    if (rc == 0) {
        s_define(s, cfgpath);
        s_proc(s, "inject-bad", "", true,
               (const char *[]){"xgc", "inject", "bad", "-c", cfgpath, "--count", "40",
                                "--interval-ms", "20", "--prefix", "soakbad", "--quiet", NULL});
        s->check = xgc_soak_check_new(10000, (int64_t)(s->o.bound_s * 1000));
        s->bus = xgc_bus_new(s->cfg, "soak");
        rc = s->check && s->bus ? 0 : -1;
    }
    if (rc == 0) {
        zsys_handler_set(NULL);
        s_install_signals();
        xgc_bus_set_handlers(s->bus, &(xgc_bus_handlers_t){.synced = s_on_synced,
                             .change = s_on_change}, s);
        xgc_bus_watch(s->bus, "");
        xgc_soak_fault_t sched[MAX_FAULTS];
        s->fault_n = xgc_soak_schedule((uint64_t)s->o.seed, (int64_t)(s->o.duration_s * 1000),
                                       (int)s->o.pmds, (int64_t)s->o.lease_ms,
                                       (int64_t)(s->o.gap_s * 1000), s->o.curve ? XGC_SOAK_F_COUNT : XGC_SOAK_F_PLAIN,
                                       sched, MAX_FAULTS);
        for (size_t i = 0; i < s->fault_n; i++)
            s->faults[i] = (s_fault_t){.f = sched[i], .started_ms = -1, .repaired_ms = -1,
                                       .converged_ms = -1};
        srand((unsigned)s->o.seed);
        s->t0 = xgc_log_mono_ms();
        s_run(s);
    }
    bool interrupted = s_stop;
    int64_t end_ms = s->t0 ? s_now(s) : 0;
    long final_lost = 0;
    if (s->bus && s->t0) {
        s_stop = 0;
        final_lost = s_final_ledger(s);
        s_status(s);
        s_leak_violations(s);
        s->tail_lost = s_tail_lost(s);
    }
    s_stop = 1;                     /* deaths from here on are ours */
    xgc_soak_probe_end(&s->probe, s->bus, &s->probes, NULL, 0);
    xgc_bus_destroy(&s->bus);
    s_junk_close(s);
    s_teardown(s);
    if (rc == 0) {
        json_t *r = s_report_json(s, end_ms, final_lost, interrupted);
        if (s->o.json) {
            char *text = json_dumps(r, JSON_INDENT(2));
            puts(text);
            free(text);
        } else {
            s_report_text(r);
        }
        rc = json_array_size(json_object_get(r, "violations")) ? 1 : interrupted ? 3 : 0;
        json_decref(r);
    } else {
        rc = 1;
    }
    xgc_soak_check_destroy(&s->check);
    xgc_config_destroy(&s->cfg);
    for (size_t i = 0; i < s->proc_n; i++)
        xgc_soak_proc_free(&s->procs[i]);
    return rc;
}
