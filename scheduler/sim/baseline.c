/* baseline.c — the published baselines (Beloglazov & Buyya, CCPE 2012) in
 * xgc sim: NPA, DVFS, THR-MMT-t and LR-MMT-s.
 *
 * A round (CloudSim's optimizeAllocation): find the overloaded PMs (THR:
 * requested CPU > t; LR: local regression on the PM's last 10
 * utilisations, extrapolated one interval ahead — ceil(migration time /
 * interval) — times s >= 1, or a static 0.7 threshold with fewer than 10
 * samples); take VMs off them by MMT (least RAM first) until they are not
 * overloaded; place those by PABFD (decreasing CPU, each on the PM whose
 * power grows least and that does not become overloaded); then underload
 * handling: from the least-utilised PM up, move all of a PM's VMs away by
 * PABFD if they all fit (overloaded and sleeping PMs and PMs already
 * emptied are not used as destinations here; PMs that received VMs are not
 * emptied).
 *
 * CloudSim-2011 mode adds that version's behaviours: PABFD prices a
 * sleeping PM at its idle power and sees each PM's utilisation at the last
 * update (not what it placed this round, whose capacity it does see), and
 * skips the overload check on PMs at 0 %; the LR fit is weighted (tricube
 * weights used as standard deviations); and a PM that received VMs from
 * overloaded PMs may still be emptied as underloaded, those VMs included:
 * CloudSim's getMigrationMapFromUnderUtilizedHosts meant to exclude such
 * PMs but builds the set from its own, still empty, migration map; the
 * VMs the overload phase placed there (vmCreate) are on the PM's list, so
 * they get a second entry in the map, which the engine runs as a second,
 * superseding copy. Without the mode a sleeping PM costs its full power to
 * wake, PABFD sees its own placements, LR is ordinary least squares and
 * receivers are not emptied in the same round.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sim/sim_internal.h"

typedef enum { BL_NPA, BL_DVFS, BL_THR, BL_LR } bl_kind_t;

typedef struct {
    double req;        /* requested MIPS of the VMs on it (this round's view) */
    double lr;         /* LR-predicted MIPS of those VMs */
    int    hist_len;   /* longest history among them */
    double avail;      /* scheduler's free MIPS */
    double price;      /* MIPS PABFD prices against */
    double sched;      /* sum of per-core-capped asks */
    int    ram, n;
    char   excl_dest, excl_under, over, touched;
} bl_pm_t;

typedef struct {
    bl_kind_t kind;
    double    param;          /* threshold or safety parameter */
    double    lr_coef[SIM_HISTORY];
    int       cloudsim, initial;
    int       no_check;       /* PABFD without the overload test */
    bl_pm_t  *pm;
    double   *d, *lr;         /* per VM: demand now, LR contribution */
    int      *len;            /* per VM: history length, oldest zeros trimmed */
    char     *gone;           /* per VM: taken off its PM this round */
    int      *order, *tent;
    int       n_pms, n_vms;
} bl_t;

/* Coefficients c with prediction = sum c_i y_i of a (weighted) least-squares
 * line through (i + 1, y_i), i = 0..9, evaluated at x = 11. */
static void s_lr_coefficients(double *c, int weighted)
{
    int n = SIM_HISTORY;
    double w[SIM_HISTORY], sw = 0, sx = 0, sxx = 0, x_at = n + 1;
    for (int i = 0; i < n; i++) {
        w[i] = 1;
        if (weighted) {
            /* CloudSim 2011: sd_i = 1 / tricube_i, so weight = tricube^2;
             * the first three share the third's weight. */
            int j = i < 2 ? 2 : i;
            double r = (double)(n - 1 - j) / (n - 1);
            double k = pow(1 - r * r * r, 3);
            w[i] = k * k;
        }
        sw += w[i];
        sx += w[i] * (i + 1);
    }
    double mx = sx / sw;
    for (int i = 0; i < n; i++)
        sxx += w[i] * (i + 1 - mx) * (i + 1 - mx);
    for (int i = 0; i < n; i++)
        c[i] = w[i] / sw + (x_at - mx) * w[i] * (i + 1 - mx) / sxx;
}

static int s_overloaded(const bl_t *bl, const sim_pm_t *spm, double req, double lr, int len)
{
    if (bl->kind == BL_THR)
        return req / spm->mips > bl->param;
    if (len < SIM_HISTORY)
        return req / spm->mips > 0.7;
    return lr / spm->mips * bl->param >= 1;
}

/* Adds (sign 1) or takes back (sign -1) VM v on PM p in this round's view.
 * Taking back keeps the longest history length (a bound, not exact). */
static void s_pm_add(bl_t *bl, xgc_sim_t *sim, int p, int v, int sign)
{
    bl_pm_t *pm = &bl->pm[p];
    const sim_pm_t *spm = &sim->pms[p];
    double d = bl->d[v], c = d < spm->core_mips ? d : spm->core_mips;
    pm->req += sign * d;
    pm->lr += sign * bl->lr[v];
    pm->sched += sign * c;
    pm->ram += sign * sim->vms[v].ram_mb;
    pm->n += sign;
    if (sign > 0) {
        if (bl->len[v] > pm->hist_len)
            pm->hist_len = bl->len[v];
        pm->avail = pm->avail >= c ? pm->avail - c : 0;
    } else {
        pm->avail = pm->sched <= spm->mips ? spm->mips - pm->sched : 0;
    }
    if (!bl->cloudsim || bl->initial)
        pm->price += sign * c;
}

/* This round's view of PM p from its resident VMs not taken off; in
 * CloudSim-2011 mode the price stays the last update's. */
static void s_pm_reset(bl_t *bl, xgc_sim_t *sim, int p)
{
    const sim_pm_t *spm = &sim->pms[p];
    bl_pm_t *pm = &bl->pm[p];
    double price = pm->price;
    pm->req = pm->lr = pm->sched = pm->price = 0;
    pm->hist_len = pm->ram = pm->n = 0;
    pm->avail = spm->mips;
    for (int i = 0; i < spm->n_vms; i++)
        if (!bl->gone[spm->vms[i]])
            s_pm_add(bl, sim, p, spm->vms[i], 1);
    if (pm->sched > spm->mips)
        pm->avail = 0;
    if (bl->cloudsim)
        pm->price = price;
}

static double s_pm_power(const sim_pm_t *spm, double mips)
{
    return xgc_power_at(spm->model, mips / spm->mips);
}

/* An empty PM this round has not touched. */
static int s_pristine(const bl_pm_t *pm, const sim_pm_t *spm)
{
    return pm->n == 0 && pm->price == 0 && pm->sched == 0 && pm->req == 0 && pm->lr == 0
           && pm->ram == 0 && pm->hist_len == 0 && pm->avail == spm->mips;
}

/* PABFD: the PM whose power grows least by taking v, or -1. */
static int s_pabfd(bl_t *bl, xgc_sim_t *sim, int v)
{
    double best = INFINITY, d = bl->d[v];
    int best_p = -1;
    const xgc_sim_power_t *seen[4] = {NULL};   /* models of empty PMs priced */
    int n_seen = 0;
    for (int p = 0; p < bl->n_pms; p++) {
        const bl_pm_t *pm = &bl->pm[p];
        const sim_pm_t *spm = &sim->pms[p];
        if (pm->excl_dest || spm->core_mips < d || pm->avail < d
            || (sim_ram_checked(sim, bl->initial) && pm->ram + sim->vms[v].ram_mb > spm->ram_mb))
            continue;
        if (s_pristine(pm, spm)) {
            /* All untouched empty PMs of a model price the same and the
             * first one wins ties: price one of each (a 10x speed-up). */
            int dup = 0;
            for (int i = 0; i < n_seen; i++)
                dup |= seen[i] == spm->model;
            if (dup)
                continue;
            if (n_seen < 4)
                seen[n_seen++] = spm->model;
        }
        int check = (bl->cloudsim ? pm->price != 0 : 1) && !bl->no_check;
        int len = pm->hist_len > bl->len[v] ? pm->hist_len : bl->len[v];
        if (check && s_overloaded(bl, spm, pm->req + d, pm->lr + bl->lr[v], len))
            continue;
        double after = pm->price + d;
        if (after > spm->mips)
            continue;
        double before = bl->cloudsim || pm->n ? s_pm_power(spm, pm->price) : 0;
        double diff = s_pm_power(spm, after) - before;
        if (diff < best) {
            best = diff;
            best_p = p;
        }
    }
    return best_p;
}

/* First fit on the VM's full size (DVFS and NPA: CloudSim's simple policy). */
static int s_first_fit(bl_t *bl, xgc_sim_t *sim, int v)
{
    for (int p = 0; p < bl->n_pms; p++) {
        const sim_pm_t *spm = &sim->pms[p];
        if (spm->core_mips >= bl->d[v] && bl->pm[p].avail >= bl->d[v]
            && (!sim_ram_checked(sim, 1) || bl->pm[p].ram + sim->vms[v].ram_mb <= spm->ram_mb))
            return p;
    }
    return -1;
}

/* Creates VM v on a PM: PABFD (THR, LR) or first fit (NPA, DVFS) on its
 * full size; returns the PM or -1. */
static int s_create(bl_t *bl, xgc_sim_t *sim, int v)
{
    bl->d[v] = sim->vms[v].mips;   /* a VM being created asks for all of it */
    bl->lr[v] = 0;
    bl->len[v] = 0;
    bl->initial = 1;
    int p = bl->kind == BL_THR || bl->kind == BL_LR ? s_pabfd(bl, sim, v) : s_first_fit(bl, sim, v);
    if (p < 0 && (bl->kind == BL_THR || bl->kind == BL_LR)) {
        /* Full-size asks can exceed the threshold everywhere (LR's 0.7
         * fallback): place the VM anyway, on the cheapest PM it fits. */
        bl->no_check = 1;
        p = s_pabfd(bl, sim, v);
        bl->no_check = 0;
    }
    if (p >= 0)
        s_pm_add(bl, sim, p, v, 1);
    bl->initial = 0;
    return p;
}

static int s_cmp_demand_desc(const void *a, const void *b, void *arg);

/* Initial placement. CloudSim creates the VMs one at a time in list order
 * (CloudSim-2011 mode, NPA, DVFS). Otherwise PABFD proper places them all
 * at once, largest first: in list order, small VMs can take the room of
 * the large ones on the only PMs whose core fits them (with VM types dealt
 * at random, LR-MMT left 16-27 VMs unplaced for the whole day, a lighter
 * workload than the other policies served). */
static int s_place(void *self, xgc_sim_t *sim, int v)
{
    bl_t *bl = self;
    int all_at_once = !bl->cloudsim && (bl->kind == BL_THR || bl->kind == BL_LR);
    if (v == 0) {
        for (int p = 0; p < bl->n_pms; p++) {
            bl->pm[p] = (bl_pm_t){0};
            bl->pm[p].avail = sim->pms[p].mips;
        }
        if (all_at_once) {
            for (int u = 0; u < bl->n_vms; u++) {
                bl->order[u] = u;
                bl->d[u] = sim->vms[u].mips;
            }
            qsort_r(bl->order, (size_t)bl->n_vms, sizeof *bl->order, s_cmp_demand_desc, bl);
            for (int k = 0; k < bl->n_vms; k++)
                bl->tent[bl->order[k]] = s_create(bl, sim, bl->order[k]);
        }
    }
    return all_at_once ? bl->tent[v] : s_create(bl, sim, v);
}

/* Sorts VM ids by decreasing demand now, stable. */
static int s_cmp_demand_desc(const void *a, const void *b, void *arg)
{
    const bl_t *bl = arg;
    int x = *(const int *)a, y = *(const int *)b;
    if (bl->d[x] != bl->d[y])
        return bl->d[x] < bl->d[y] ? 1 : -1;
    return (x > y) - (x < y);
}

/* The VM with least RAM on PM p (first in arrival order), or -1. */
static int s_mmt(const bl_t *bl, const xgc_sim_t *sim, int p)
{
    const sim_pm_t *spm = &sim->pms[p];
    int best = -1;
    for (int i = 0; i < spm->n_vms; i++) {
        int v = spm->vms[i];
        if (!bl->gone[v] && (best < 0 || sim->vms[v].ram_mb < sim->vms[best].ram_mb))
            best = v;
    }
    return best;
}

static void s_round_setup(bl_t *bl, xgc_sim_t *sim)
{
    for (int v = 0; v < bl->n_vms; v++) {
        const sim_vm_t *vm = &sim->vms[v];
        bl->gone[v] = 0;
        bl->d[v] = vm->pm >= 0 ? sim_vm_demand_now(sim, v) : 0;
        double y = 0;
        int off = SIM_HISTORY - vm->hist_n;   /* missing oldest samples count as 0 */
        for (int i = 0; i < vm->hist_n; i++)
            y += bl->lr_coef[off + i] * vm->hist[i];
        bl->lr[v] = y * vm->mips;
        /* CloudSim sums the VMs' histories and trims the zero tail: a PM
         * whose oldest samples are all 0 has a shorter history. */
        int first = 0;
        while (first < vm->hist_n && vm->hist[first] <= 0)
            first++;
        bl->len[v] = vm->hist_n - first;
    }
    for (int p = 0; p < bl->n_pms; p++) {
        bl_pm_t *pm = &bl->pm[p];
        *pm = (bl_pm_t){0};
        pm->price = sim->pms[p].now_alloc_mips;   /* the last update */
        s_pm_reset(bl, sim, p);
        pm->over = sim->pms[p].n_vms > 0
                   && s_overloaded(bl, &sim->pms[p], pm->req, pm->lr, pm->hist_len);
    }
}

/* Places the listed VMs by PABFD; returns how many were placed (the moves
 * are appended) or -1 when all_or_none and one did not fit (undone). */
static int s_place_list(bl_t *bl, xgc_sim_t *sim, int *vms, int n, int all_or_none,
                        sim_move_t *moves, int *n_moves, int max)
{
    qsort_r(vms, (size_t)n, sizeof *vms, s_cmp_demand_desc, bl);
    int placed = 0;
    for (int i = 0; i < n; i++) {
        int p = *n_moves + placed < max ? s_pabfd(bl, sim, vms[i]) : -1;
        if (p < 0) {
            if (!all_or_none)
                continue;
            for (int j = 0; j < placed; j++)
                s_pm_add(bl, sim, moves[*n_moves + j].dest, moves[*n_moves + j].vm, -1);
            return -1;
        }
        s_pm_add(bl, sim, p, vms[i], 1);
        moves[*n_moves + placed++] = (sim_move_t){vms[i], p};
    }
    *n_moves += placed;
    return placed;
}

static int s_decide(void *self, xgc_sim_t *sim, sim_move_t *moves, int max)
{
    bl_t *bl = self;
    if (bl->kind == BL_NPA || bl->kind == BL_DVFS)
        return 0;
    s_round_setup(bl, sim);
    int n_moves = 0, n_out = 0, *out = bl->order;
    for (int p = 0; p < bl->n_pms; p++) {
        bl_pm_t *pm = &bl->pm[p];
        if (!pm->over)
            continue;
        pm->excl_dest = pm->excl_under = 1;
        for (int v; (v = s_mmt(bl, sim, p)) >= 0;) {
            bl->gone[v] = 1;
            out[n_out++] = v;
            s_pm_reset(bl, sim, p);
            if (!s_overloaded(bl, &sim->pms[p], pm->req, pm->lr, pm->hist_len))
                break;
        }
    }
    s_place_list(bl, sim, out, n_out, 0, moves, &n_moves, max);
    int n_relief = n_moves;
    for (int i = 0; i < n_moves && !bl->cloudsim; i++)
        bl->pm[moves[i].dest].excl_under = 1;

    /* Underload: least utilised first (the last update's utilisation). */
    int n_cand = 0, *cand = bl->order;
    for (int p = 0; p < bl->n_pms; p++) {
        bl_pm_t *pm = &bl->pm[p];
        double u = sim->pms[p].now_alloc_mips / sim->pms[p].mips;
        int asleep = bl->cloudsim ? u <= 0 : sim->pms[p].n_vms == 0;
        if (asleep)
            pm->excl_dest = pm->excl_under = 1;
        else if (!pm->excl_under && u < 1)
            cand[n_cand++] = p;
    }
    for (int i = 1; i < n_cand; i++) {   /* insertion sort: stable, by utilisation */
        int p = cand[i], j = i;
        double u = sim->pms[p].now_alloc_mips / sim->pms[p].mips;
        while (j > 0 && sim->pms[cand[j - 1]].now_alloc_mips / sim->pms[cand[j - 1]].mips > u) {
            cand[j] = cand[j - 1];
            j--;
        }
        cand[j] = p;
    }
    int *vms = bl->tent;
    for (int i = 0; i < n_cand; i++) {
        int p = cand[i];
        if (bl->pm[p].excl_under)
            continue;
        bl->pm[p].excl_under = bl->pm[p].excl_dest = 1;
        int n = 0;
        for (int j = 0; j < sim->pms[p].n_vms; j++)
            vms[n++] = sim->pms[p].vms[j];
        for (int j = 0; j < n_relief && bl->cloudsim; j++)   /* on its list too */
            if (moves[j].dest == p)
                vms[n++] = moves[j].vm;
        int first = n_moves;
        if (n && s_place_list(bl, sim, vms, n, 1, moves, &n_moves, max) > 0)
            for (int j = first; j < n_moves; j++)
                bl->pm[moves[j].dest].excl_under = 1;
    }
    return n_moves;
}

static void s_destroy(void *self)
{
    bl_t *bl = self;
    if (!bl)
        return;
    free(bl->pm);
    free(bl->d);
    free(bl->lr);
    free(bl->len);
    free(bl->gone);
    free(bl->order);
    free(bl->tent);
    free(bl);
}

/* Lazily sized: the engine's first call tells the sizes. */
static int s_ensure(bl_t *bl, const xgc_sim_t *sim)
{
    if (bl->pm)
        return 0;
    bl->n_pms = sim->n_pms;
    bl->n_vms = sim->n_vms;
    bl->pm = calloc((size_t)sim->n_pms, sizeof *bl->pm);
    bl->d = calloc((size_t)sim->n_vms, sizeof *bl->d);
    bl->lr = calloc((size_t)sim->n_vms, sizeof *bl->lr);
    bl->len = calloc((size_t)sim->n_vms, sizeof *bl->len);
    bl->gone = calloc((size_t)sim->n_vms, 1);
    bl->order = calloc((size_t)sim->n_vms + (size_t)sim->n_pms, sizeof *bl->order);
    bl->tent = calloc((size_t)sim->n_vms, sizeof *bl->tent);
    return bl->pm && bl->d && bl->lr && bl->len && bl->gone && bl->order && bl->tent ? 0 : -1;
}

static int s_place_entry(void *self, xgc_sim_t *sim, int v)
{
    bl_t *bl = self;
    bl->cloudsim = sim->cfg.cloudsim_2011;
    s_lr_coefficients(bl->lr_coef, bl->cloudsim);
    if (s_ensure(bl, sim))
        return -1;
    return s_place(self, sim, v);
}

int sim_baseline_new(const char *name, sim_policy_t *policy, char *err, size_t err_len)
{
    bl_kind_t kind;
    double param = 0;
    char *end = NULL;
    if (!strcmp(name, "npa"))
        kind = BL_NPA;
    else if (!strcmp(name, "dvfs"))
        kind = BL_DVFS;
    else if (!strncmp(name, "thr-mmt-", 8)) {
        kind = BL_THR;
        param = strtod(name + 8, &end);
        if (end == name + 8 || *end || !(param > 0 && param <= 1)) {
            snprintf(err, err_len, "policy '%s': threshold must be in (0, 1]", name);
            return -1;
        }
    } else if (!strncmp(name, "lr-mmt-", 7)) {
        kind = BL_LR;
        param = strtod(name + 7, &end);
        if (end == name + 7 || *end || !(param > 0 && param < 100)) {
            snprintf(err, err_len, "policy '%s': safety parameter must be > 0", name);
            return -1;
        }
    } else {
        snprintf(err, err_len, "unknown policy '%s' (%s)", name, xgc_sim_policy_help());
        return -1;
    }
    bl_t *bl = calloc(1, sizeof *bl);
    if (!bl) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    bl->kind = kind;
    bl->param = param;
    policy->self = bl;
    policy->place = s_place_entry;
    policy->decide = s_decide;
    policy->destroy = s_destroy;
    policy->npa = kind == BL_NPA;
    return 0;
}
