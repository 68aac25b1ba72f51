/* soak_check — the fault schedule, the invariant checker and the report's
 * statistics for `xgc soak`; pure (see soak_check.h for the invariants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/soak_check.h"
#include "xgc_stats.h"

#define PLAN_OVER_MS 3000        /* the plan's diff lands key by key */

/* --- the fault schedule -------------------------------------------------- */

static const char *const s_fault_names[XGC_SOAK_F_COUNT] = {
    "broker-kill", "scheduler-kill", "pmd-kill", "pmd-kill-migrating",
    "link-cut", "subscriber-stall", "junk-frames", "invalid-specs",
    "unknown-key", "role-probe"};

const char *xgc_soak_fault_name(xgc_soak_fault_kind_t kind)
{
    return kind < XGC_SOAK_F_COUNT ? s_fault_names[kind] : "?";
}

/* splitmix64: small, seedable, the same everywhere. */
static uint64_t s_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* How long a fault lasts. Half of the kills (by the seed) keep the process
 * down for longer than a lease, so that the standby scheduler takes over,
 * or the scheduler sees the pmd's heartbeat expire and re-places its VMs. */
static int64_t s_hold(xgc_soak_fault_kind_t kind, int64_t lease_ms, uint64_t *st)
{
    bool longer = s_rand(st) % 2;
    switch (kind) {
    case XGC_SOAK_F_SCHED: return longer ? 5000 : 1000;   /* scheduler lease: 3 s */
    case XGC_SOAK_F_PMD: case XGC_SOAK_F_PMD_MIG:
        return longer ? lease_ms * 8 / 5 : 1000;
    case XGC_SOAK_F_LINK:  return lease_ms * 8 / 5;      /* longer than the lease */
    case XGC_SOAK_F_STALL: return 6000;
    case XGC_SOAK_F_JUNK:  return 2000;
    case XGC_SOAK_F_PROBE_KEY: case XGC_SOAK_F_PROBE_ROLE:
        return 3000;                                     /* time to refuse, or accept */
    default:               return 1000;                  /* down time before restart */
    }
}

size_t xgc_soak_schedule(uint64_t seed, int64_t duration_ms, int pmds, int64_t lease_ms,
                         int64_t gap_ms, int kinds, xgc_soak_fault_t *out, size_t max)
{
    uint64_t st = seed;
    int64_t warm = duration_ms / 8 < 15000 ? 15000 : duration_ms / 8;
    int64_t tail = duration_ms / 8 < 20000 ? 20000 : duration_ms / 8;
    int order[XGC_SOAK_F_COUNT];
    if (kinds < 1 || kinds > XGC_SOAK_F_COUNT)
        return 0;
    size_t n = 0, in_cycle = (size_t)kinds;
    for (int64_t t = warm; t < duration_ms - tail && n < max; n++) {
        if (in_cycle == (size_t)kinds) {                 /* a new permutation */
            for (int i = 0; i < kinds; i++)
                order[i] = i;
            for (int i = kinds - 1; i > 0; i--) {
                int j = (int)(s_rand(&st) % (uint64_t)(i + 1));
                int x = order[i];
                order[i] = order[j];
                order[j] = x;
            }
            in_cycle = 0;
        }
        xgc_soak_fault_t *f = &out[n];
        f->kind = (xgc_soak_fault_kind_t)order[in_cycle++];
        f->at_ms = t;
        f->target = pmds > 0 ? (int)(s_rand(&st) % (uint64_t)pmds) : 0;
        f->hold_ms = s_hold(f->kind, lease_ms, &st);
        int64_t jitter = gap_ms * 3 / 10;
        int64_t step = gap_ms - jitter + (int64_t)(s_rand(&st) % (uint64_t)(2 * jitter + 1));
        t += f->hold_ms + step;
    }
    return n;
}

/* --- the checker ----------------------------------------------------------- */

typedef struct {
    char key[160];           /* kind + subject */
    int64_t first_ms;
    uint64_t gen;            /* last check that saw it */
    bool reported;
} s_problem_t;

typedef struct {
    char name[XGC_NAME_MAX];
    int64_t first_ms;
    uint64_t gen;
} s_seen_t;

struct _xgc_soak_check_t {
    int64_t grace_ms, bound_ms;
    uint64_t gen;
    s_problem_t *probs;  size_t prob_n, prob_cap;
    s_seen_t *specs;     size_t spec_n, spec_cap;
    char **viols;        size_t viol_n, viol_cap;
    /* per run: converged flag and the first transient problem */
    bool converged;
    char *why; size_t whylen;
    int new_viols;
};

xgc_soak_check_t *xgc_soak_check_new(int64_t grace_ms, int64_t bound_ms)
{
    xgc_soak_check_t *self = calloc(1, sizeof *self);
    if (self) {
        self->grace_ms = grace_ms;
        self->bound_ms = bound_ms;
    }
    return self;
}

void xgc_soak_check_destroy(xgc_soak_check_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_soak_check_t *self = *self_p;
    for (size_t i = 0; i < self->viol_n; i++)
        free(self->viols[i]);
    free(self->viols);
    free(self->probs);
    free(self->specs);
    free(self);
    *self_p = NULL;
}

/* Grow an array of elem-sized items to hold one more; 0 or -1. */
static int s_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

void xgc_soak_check_add(xgc_soak_check_t *self, int64_t now_ms, const char *kind,
                        const char *what)
{
    if (s_grow((void **)&self->viols, &self->viol_cap, self->viol_n, sizeof(char *)) < 0)
        return;
    char buf[512];
    snprintf(buf, sizeof buf, "t=%.1fs %s: %s", (double)now_ms / 1000, kind, what);
    self->viols[self->viol_n] = strdup(buf);
    if (self->viols[self->viol_n])
        self->viol_n++;
    self->new_viols++;
}

size_t xgc_soak_check_violations(const xgc_soak_check_t *self)
{
    return self->viol_n;
}

const char *xgc_soak_check_violation(const xgc_soak_check_t *self, size_t i)
{
    return i < self->viol_n ? self->viols[i] : NULL;
}

/* A problem seen now, known by kind + subject, told as what. Immediate
 * ones are violations at once (once per episode); transient ones mark the cluster unconverged and become a
 * violation when older than the bound (or `after_ms` if > 0). */
static void s_problem_on(xgc_soak_check_t *self, int64_t now, bool immediate,
                         int64_t after_ms, const char *kind, const char *subject,
                         const char *what)
{
    char key[160];
    snprintf(key, sizeof key, "%s %s", kind, subject);
    s_problem_t *p = NULL;
    for (size_t i = 0; i < self->prob_n && !p; i++)
        if (!strcmp(self->probs[i].key, key))
            p = &self->probs[i];
    if (!p) {
        if (s_grow((void **)&self->probs, &self->prob_cap, self->prob_n, sizeof *p) < 0)
            return;
        p = &self->probs[self->prob_n++];
        snprintf(p->key, sizeof p->key, "%s", key);
        p->first_ms = now;
        p->reported = false;
    }
    p->gen = self->gen;
    if (!immediate && after_ms == 0 && self->converged) {
        self->converged = false;
        snprintf(self->why, self->whylen, "%s", key);
    }
    int64_t limit = after_ms > 0 ? after_ms : self->bound_ms;
    if (!p->reported && (immediate || now - p->first_ms > limit)) {
        char what2[400];
        if (immediate)
            snprintf(what2, sizeof what2, "%s", what);
        else
            snprintf(what2, sizeof what2, "%s (for %.1f s)", what,
                     (double)(now - p->first_ms) / 1000);
        xgc_soak_check_add(self, now, kind, what2);
        p->reported = true;
    }
}

static void s_problem(xgc_soak_check_t *self, int64_t now, bool immediate, int64_t after_ms,
                      const char *kind, const char *what)
{
    s_problem_on(self, now, immediate, after_ms, kind, what, what);
}

/* Forget problems not seen in this check (their episode is over). */
static void s_prune(xgc_soak_check_t *self)
{
    size_t k = 0;
    for (size_t i = 0; i < self->prob_n; i++)
        if (self->probs[i].gen == self->gen)
            self->probs[k++] = self->probs[i];
    self->prob_n = k;
    k = 0;
    for (size_t i = 0; i < self->spec_n; i++)
        if (self->specs[i].gen == self->gen)
            self->specs[k++] = self->specs[i];
    self->spec_n = k;
}

/* When was this spec first seen? (records it now if new) */
static int64_t s_spec_first(xgc_soak_check_t *self, const char *name, int64_t now)
{
    for (size_t i = 0; i < self->spec_n; i++)
        if (!strcmp(self->specs[i].name, name)) {
            self->specs[i].gen = self->gen;
            return self->specs[i].first_ms;
        }
    if (s_grow((void **)&self->specs, &self->spec_cap, self->spec_n, sizeof(s_seen_t)) < 0)
        return now;
    s_seen_t *s = &self->specs[self->spec_n++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->first_ms = now;
    s->gen = self->gen;
    return now;
}

static const xgc_soak_spec_t *s_spec(const xgc_soak_snap_t *snap, const char *vm)
{
    for (size_t i = 0; i < snap->spec_n; i++)
        if (!strcmp(snap->specs[i].name, vm))
            return &snap->specs[i];
    return NULL;
}

/* The plan entry that counts for a VM: run, highest round. */
static const xgc_soak_plan_t *s_plan(const xgc_soak_snap_t *snap, const char *vm)
{
    const xgc_soak_plan_t *best = NULL;
    for (size_t i = 0; i < snap->plan_n; i++) {
        const xgc_soak_plan_t *p = &snap->plans[i];
        if (p->run && !strcmp(p->vm, vm) && (!best || p->round > best->round))
            best = p;
    }
    return best;
}

/* Hypervisor truth: no VM held twice, no PM over its memory. */
static void s_check_doms(xgc_soak_check_t *self, const xgc_soak_snap_t *snap)
{
    char what[300];
    for (size_t i = 0; snap->doms_consistent && i < snap->dom_n; i++) {
        const xgc_soak_dom_t *a = &snap->doms[i];
        if (a->state == XGC_SOAK_DOM_INDOUBT)
            continue;
        for (size_t j = i + 1; j < snap->dom_n; j++) {
            const xgc_soak_dom_t *b = &snap->doms[j];
            if (b->state != XGC_SOAK_DOM_INDOUBT && !strcmp(a->vm, b->vm) &&
                strcmp(a->host, b->host)) {
                snprintf(what, sizeof what, "vm %s on %s and %s", a->vm, a->host, b->host);
                s_problem(self, snap->now_ms, true, 0, "twice", what);
            }
        }
    }
    for (size_t h = 0; h < snap->pm_n; h++) {
        double mem = 0;
        for (size_t i = 0; i < snap->dom_n; i++)
            if (!strcmp(snap->doms[i].host, snap->pms[h].name))
                mem += snap->doms[i].mem_mb;
        if (mem > snap->pms[h].mem_mb + 1e-6) {
            snprintf(what, sizeof what, "pm %s holds %.0f MB of %.0f MB", snap->pms[h].name,
                     mem, snap->pms[h].mem_mb);
            s_problem(self, snap->now_ms, true, 0, "mem", what);
        }
    }
}

/* The plan against the PMs' capacity, and invalid specs never planned. */
static void s_check_plan(xgc_soak_check_t *self, const xgc_soak_snap_t *snap)
{
    char what[300];
    for (size_t h = 0; h < snap->pm_n; h++) {
        const xgc_soak_pm_t *pm = &snap->pms[h];
        double mem = 0, cpu = 0;
        for (size_t i = 0; i < snap->plan_n; i++) {
            const xgc_soak_plan_t *p = &snap->plans[i];
            const xgc_soak_spec_t *s = s_spec(snap, p->vm);
            if (s && s->valid && p->run && s_plan(snap, p->vm) == p &&
                !strcmp(p->host, pm->name)) {
                mem += s->mem_mb;
                cpu += s->min_mhz;
            }
        }
        if (mem > pm->mem_mb + 1e-6 || cpu > pm->cpu_mhz + 1e-6) {
            snprintf(what, sizeof what, "plan puts %.0f MHz min, %.0f MB on pm %s "
                     "(%.0f MHz, %.0f MB)", cpu, mem, pm->name, pm->cpu_mhz, pm->mem_mb);
            s_problem_on(self, snap->now_ms, false, PLAN_OVER_MS, "plan_over", pm->name, what);
        }
    }
    for (size_t i = 0; i < snap->plan_n; i++) {
        const xgc_soak_spec_t *s = s_spec(snap, snap->plans[i].vm);
        if (s && !s->valid && snap->plans[i].run) {
            snprintf(what, sizeof what, "vm %s planned on %s", s->name, snap->plans[i].host);
            s_problem(self, snap->now_ms, true, 0, "invalid", what);
        }
    }
}

/* Where is a VM held (running, creating, stopping or in doubt)? The first
 * host, and how many. */
static int s_held(const xgc_soak_snap_t *snap, const char *vm, const char **host)
{
    int n = 0;
    *host = NULL;
    for (size_t i = 0; i < snap->dom_n; i++)
        if (!strcmp(snap->doms[i].vm, vm)) {
            if (!*host)
                *host = snap->doms[i].host;
            n++;
        }
    return n;
}

/* Desired against actual, for every spec and every domain. */
static void s_check_vms(xgc_soak_check_t *self, const xgc_soak_snap_t *snap)
{
    char what[300];
    int64_t now = snap->now_ms;
    for (size_t i = 0; i < snap->spec_n; i++) {
        const xgc_soak_spec_t *s = &snap->specs[i];
        int64_t age = now - s_spec_first(self, s->name, now);
        if (!s->valid || age < self->grace_ms)
            continue;
        const xgc_soak_plan_t *p = s_plan(snap, s->name);
        const char *host;
        int held = s_held(snap, s->name, &host);
        if (!p) {
            snprintf(what, sizeof what, "vm %s", s->name);
            s_problem(self, now, false, 0, "unplaced", what);
        } else if (!held) {
            snprintf(what, sizeof what, "vm %s planned on %s, held nowhere", s->name, p->host);
            s_problem(self, now, false, 0, "missing", what);
        } else if (strcmp(host, p->host) || held > 1) {
            snprintf(what, sizeof what, "vm %s on %s, planned on %s", s->name, host, p->host);
            s_problem(self, now, false, 0, "misplaced", what);
        }
    }
    for (size_t i = 0; i < snap->dom_n; i++) {
        const xgc_soak_spec_t *s = s_spec(snap, snap->doms[i].vm);
        if (!s || !s->valid) {
            snprintf(what, sizeof what, "vm %s on %s without a valid spec", snap->doms[i].vm,
                     snap->doms[i].host);
            s_problem(self, now, s != NULL, 0, s ? "invalid" : "zombie", what);
        }
    }
}

static void s_check_daemons(xgc_soak_check_t *self, const xgc_soak_snap_t *snap)
{
    char what[300];
    for (size_t h = 0; h < snap->pm_n; h++)
        if (snap->pms[h].up && !snap->pms[h].alive) {
            snprintf(what, sizeof what, "pm %s runs but has no heartbeat", snap->pms[h].name);
            s_problem(self, snap->now_ms, false, 0, "nopmd", what);
        }
    if (!snap->leader)
        s_problem(self, snap->now_ms, false, 0, "noleader", "no scheduler leads");
}

int xgc_soak_check_hypervisors(xgc_soak_check_t *self, const xgc_soak_snap_t *snap)
{
    char why[8];
    self->converged = true;
    self->why = why;
    self->whylen = sizeof why;
    self->new_viols = 0;
    s_check_doms(self, snap);
    self->why = NULL;
    return self->new_viols;
}

int xgc_soak_check_run(xgc_soak_check_t *self, const xgc_soak_snap_t *snap,
                       bool *converged, char *why, size_t whylen)
{
    char dummy[8];
    self->gen++;
    self->converged = true;
    self->why = why ? why : dummy;
    self->whylen = why ? whylen : sizeof dummy;
    self->why[0] = '\0';
    self->new_viols = 0;
    s_check_doms(self, snap);
    if (snap->synced) {
        s_check_plan(self, snap);
        s_check_vms(self, snap);
        s_check_daemons(self, snap);
        s_prune(self);
    } else {
        self->converged = false;
        snprintf(self->why, self->whylen, "bus replica not synced");
        for (size_t i = 0; i < self->spec_n; i++)    /* keep what we know */
            self->specs[i].gen = self->gen;
        for (size_t i = 0; i < self->prob_n; i++)
            self->probs[i].gen = self->gen;
    }
    *converged = self->converged;
    return self->new_viols;
}

/* --- statistics ------------------------------------------------------------ */

/* Median of rss_kb[from..to) without touching the caller's array. */
static double s_median_of(const double *rss_kb, size_t from, size_t to)
{
    double tmp[256];
    size_t n = 0;
    size_t step = (to - from) / 256 + 1;
    for (size_t i = from; i < to && n < 256; i += step)
        tmp[n++] = rss_kb[i];
    return xgc_stats_median(tmp, n);
}

double xgc_soak_rss_growth(const double *rss_kb, size_t n)
{
    if (n < 8)
        return 1;
    double a = s_median_of(rss_kb, n / 4, n / 2);
    double b = s_median_of(rss_kb, n - n / 4, n);
    return a > 0 ? b / a : 1;
}

bool xgc_soak_rss_leaks(const double *rss_kb, size_t n)
{
    if (n < 8)
        return false;
    double a = s_median_of(rss_kb, n / 4, n / 2);
    double b = s_median_of(rss_kb, n - n / 4, n);
    return b > a * 1.25 && b - a > 4096;
}
