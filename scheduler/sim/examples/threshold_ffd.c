/* threshold_ffd.c — an example policy plugin for `xgc sim` (docs/sim.md,
 * "Your own policy"): static-threshold consolidation, first fit.
 *
 *   cc -O2 -shared -fPIC -I<xgc>/scheduler/sim -o threshold-ffd.so threshold_ffd.c
 *   xgc sim --planetlab DIR --policy plugin:./threshold-ffd.so:0.8
 *
 * ARG is the threshold t (0 < t <= 1, default 0.8). A VM's load is what it
 * asks now, at most one core of its PM. Each round:
 *  1. relief: while a PM's load exceeds t of its MIPS, its largest VM moves
 *     to the first PM (awake ones first, then asleep) that stays under t;
 *  2. consolidation: from the least loaded awake PM up, a PM is emptied if
 *     all its VMs fit on other awake PMs under t (all or nothing); PMs that
 *     sent or received VMs this round are left alone.
 * Initial placement: first fit on the VMs' full size under t.
 * It keeps no state between rounds except its scratch buffers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "xgc_sim_plugin.h"

typedef struct {
    double  thr;
    double *load;       /* per PM: MIPS planned this round */
    int    *ram;        /* per PM: RAM planned this round */
    char   *busy;       /* per PM: 1 a source or receiver this round, 3 emptied */
} tf_t;

static int tf_create(const char *arg, void **self, char *err, size_t err_len)
{
    char *end;
    double thr = *arg ? strtod(arg, &end) : 0.8;
    if (*arg && (*end || !(thr > 0 && thr <= 1))) {
        snprintf(err, err_len, "threshold '%s': need a number in (0, 1]", arg);
        return -1;
    }
    tf_t *tf = calloc(1, sizeof *tf);
    if (!tf)
        return -1;
    tf->thr = thr;
    *self = tf;
    return 0;
}

static void tf_destroy(void *self)
{
    tf_t *tf = self;
    free(tf->load);
    free(tf->ram);
    free(tf->busy);
    free(tf);
}

/* What VM v costs PM p: its size (demand now, or full capacity), capped at a core. */
static double tf_size(const xgc_sim_plugin_view_t *w, int v, int p, int full)
{
    double d = full ? w->vms[v].mips : w->vms[v].demand_mips;
    return d < w->pms[p].core_mips ? d : w->pms[p].core_mips;
}

/* Plans from the view: every PM's load and RAM. -1 if out of memory. */
static int tf_begin(tf_t *tf, const xgc_sim_plugin_view_t *w, int full)
{
    if (!tf->load) {
        tf->load = malloc(sizeof *tf->load * (size_t)w->n_pms);
        tf->ram = malloc(sizeof *tf->ram * (size_t)w->n_pms);
        tf->busy = malloc((size_t)w->n_pms);
        if (!tf->load || !tf->ram || !tf->busy)
            return -1;
    }
    for (int p = 0; p < w->n_pms; p++) {
        const xgc_sim_plugin_pm_t *pm = &w->pms[p];
        tf->load[p] = 0;
        tf->ram[p] = pm->ram_used_mb;
        tf->busy[p] = 0;
        for (int i = 0; i < pm->n_vms; i++)
            tf->load[p] += tf_size(w, pm->vms[i], p, full);
    }
    return 0;
}

static int tf_fits(const tf_t *tf, const xgc_sim_plugin_view_t *w, int v, int p, int full)
{
    int ram_checked = w->ram_limit || (full && w->cloudsim_2011);
    return tf->load[p] + tf_size(w, v, p, full) <= tf->thr * w->pms[p].mips
           && (!ram_checked || tf->ram[p] + w->vms[v].ram_mb <= w->pms[p].ram_mb);
}

/* First PM other than `not` that takes v under the threshold: awake PMs
 * first (awake: holds VMs), then asleep ones; or -1. */
static int tf_first_fit(const tf_t *tf, const xgc_sim_plugin_view_t *w, int v, int not,
                        int awake_only, int full)
{
    for (int asleep = 0; asleep <= !awake_only; asleep++)
        for (int p = 0; p < w->n_pms; p++)
            if (p != not && !(tf->busy[p] & 2)
                && (tf->load[p] > 0 || w->pms[p].n_vms > 0) == !asleep
                && tf_fits(tf, w, v, p, full))
                return p;
    return -1;
}

/* Books the move of v from PM `from` to PM `to` (sign -1 takes it back). */
static void tf_book(tf_t *tf, const xgc_sim_plugin_view_t *w, int v, int from, int to, int sign)
{
    double s_from = tf_size(w, v, from, 0), s_to = tf_size(w, v, to, 0);
    tf->load[from] -= sign * s_from;
    tf->load[to] += sign * s_to;
    tf->ram[to] += sign * w->vms[v].ram_mb;
    tf->busy[from] |= 1;
    tf->busy[to] |= 1;
}

static int tf_place(void *self, const xgc_sim_plugin_view_t *w, int vm)
{
    tf_t *tf = self;
    if (tf_begin(tf, w, 1))
        return -1;
    return tf_first_fit(tf, w, vm, -1, 0, 1);
}

/* The largest VM still on PM p that can move (not migrating); or -1. */
static int tf_largest(const xgc_sim_plugin_view_t *w, const char *gone, int p)
{
    int best = -1;
    for (int i = 0; i < w->pms[p].n_vms; i++) {
        int v = w->pms[p].vms[i];
        if (w->vms[v].dest < 0 && !gone[v]
            && (best < 0 || w->vms[v].demand_mips > w->vms[best].demand_mips))
            best = v;
    }
    return best;
}

/* Moves all of PM p's VMs to other awake PMs under the threshold, or none
 * (the planned moves are taken back). Returns 1 if p was emptied. */
static int tf_empty(tf_t *tf, const xgc_sim_plugin_view_t *w, int p,
                    xgc_sim_plugin_move_t *moves, int *n, int max)
{
    int first = *n;
    for (int i = 0; i < w->pms[p].n_vms; i++) {
        int v = w->pms[p].vms[i], q = -1;
        if (*n == max || w->vms[v].dest >= 0 || (q = tf_first_fit(tf, w, v, p, 1, 0)) < 0) {
            while (*n > first) {
                --*n;
                tf_book(tf, w, moves[*n].vm, p, moves[*n].dest, -1);
            }
            return 0;
        }
        tf_book(tf, w, v, p, q, 1);
        moves[(*n)++] = (xgc_sim_plugin_move_t){v, q};
    }
    tf->busy[p] = 3;   /* emptied: no longer a destination */
    return 1;
}

typedef struct {
    double load;
    int    pm;
} tf_rank_t;

static int tf_by_load(const void *a, const void *b)
{
    double d = ((const tf_rank_t *)a)->load - ((const tf_rank_t *)b)->load;
    return (d > 0) - (d < 0);
}

static int tf_decide(void *self, const xgc_sim_plugin_view_t *w, xgc_sim_plugin_move_t *moves,
                     int max)
{
    tf_t *tf = self;
    char *gone = calloc((size_t)w->n_vms, 1);   /* VMs moved off by relief */
    tf_rank_t *rank = malloc(sizeof *rank * (size_t)w->n_pms);
    int n = 0, n_rank = 0;
    if (!gone || !rank || tf_begin(tf, w, 0))
        n = -1;
    for (int p = 0; n >= 0 && p < w->n_pms; p++)   /* 1. relief */
        while (n < max && tf->load[p] > tf->thr * w->pms[p].mips) {
            int v = tf_largest(w, gone, p), q = v < 0 ? -1 : tf_first_fit(tf, w, v, p, 0, 0);
            if (q < 0)
                break;
            tf_book(tf, w, v, p, q, 1);
            gone[v] = 1;
            moves[n++] = (xgc_sim_plugin_move_t){v, q};
        }
    for (int p = 0; n >= 0 && p < w->n_pms; p++)   /* 2. least loaded first */
        if (w->pms[p].n_vms > 0 && !tf->busy[p])
            rank[n_rank++] = (tf_rank_t){tf->load[p], p};
    qsort(rank, (size_t)n_rank, sizeof *rank, tf_by_load);
    for (int i = 0; n >= 0 && i < n_rank && n < max; i++)
        if (!tf->busy[rank[i].pm])   /* not a receiver of this round */
            tf_empty(tf, w, rank[i].pm, moves, &n, max);
    free(gone);
    free(rank);
    return n;
}

const xgc_sim_plugin_t xgc_sim_plugin = {
    XGC_SIM_PLUGIN_API, "threshold-ffd", tf_create, tf_place, tf_decide, tf_destroy,
};
