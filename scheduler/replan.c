/* replan — migration-aware incremental re-planning. See replan.h.
 *
 * How a round maps onto the placement core: PMs that take VMs this round
 * (up or off, and not over capacity) form the placement problem; VMs on them
 * are placed in it, VMs that need a PM (arrivals, VMs of a fenced PM, VMs
 * picked to leave a draining or overfull PM) are unplaced in it. VMs that
 * stay outside (stranded on a failed PM, or left on a draining PM for lack of
 * budget) are only scored. Then:
 *   place   xgc_place_run with the existing placement pinned: the configured
 *           algorithm places the newcomers, nothing else moves;
 *   improve on an xgc_place_state: closing moves and single moves, each kept
 *           only if it gains more than the margin per migration.
 * Index maps translate between the caller's arrays and the problem's. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy_bridge.h"
#include "scheduler/replan.h"

#define XGC_REPLAN_EPS 1e-6
/* Destinations tried per VM when improving (the used PMs with the most
 * headroom, plus one empty PM per class — the core's rule). */
#define XGC_REPLAN_CANDIDATES 8
/* PMs a round tries to close: the emptiest first. Bounds a round's time. */
#define XGC_REPLAN_CLOSE_TRIES 16

typedef struct {
    const xgc_replan_pm_t *pms;
    const xgc_replan_vm_t *vms;
    size_t np, nv;
    const xgc_replan_params_t *p;
    int64_t now;
    xgc_replan_result_t *out;
    /* working placement over the caller's indices */
    int *host;                   /* -1 = unplaced */
    int *orig;                   /* PM at the start if it can migrate from there, else -1 */
    bool *moved;                 /* migrated this round: not again */
    bool *in_problem_pm;         /* takes VMs this round */
    int *moves;                  /* per PM: migrations this round + in flight */
    double *sum_min, *sum_mem;   /* per PM, of the working placement */
    int migrations;
    int leavers;                 /* VMs picked to leave draining/overfull PMs */
    /* the placement problem of the round */
    xgc_place_problem_t *problem;
    xgc_place_state_t *state;
    int *pm_of_problem;          /* problem PM index → caller's */
    int *pm_to_problem;          /* caller's → problem's, -1 */
    int *vm_of_problem;
    int *vm_to_problem;
    size_t npp, nvp;
    bool with_power;
} s_ctx_t;

static void s_why(s_ctx_t *c, int v, xgc_replan_why_t why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_why(s_ctx_t *c, int v, xgc_replan_why_t why, const char *fmt, ...)
{
    xgc_replan_vm_result_t *r = &c->out->vms[v];
    va_list ap;
    va_start(ap, fmt);
    r->why = why;
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

static const char *s_name(const s_ctx_t *c, int j)
{
    return j >= 0 ? c->pms[j].spec.name : "-";
}

static void s_put(s_ctx_t *c, int v, int j)
{
    int old = c->host[v];
    if (old >= 0) {
        c->sum_min[old] -= c->vms[v].spec.min_mhz;
        c->sum_mem[old] -= c->vms[v].spec.mem_mb;
    }
    c->host[v] = j;
    if (j >= 0) {
        c->sum_min[j] += c->vms[v].spec.min_mhz;
        c->sum_mem[j] += c->vms[v].spec.mem_mb;
    }
}

static bool s_over(const s_ctx_t *c, int j)
{
    return c->sum_min[j] > c->pms[j].spec.cpu_mhz + XGC_REPLAN_EPS
        || c->sum_mem[j] > c->pms[j].spec.mem_mb + XGC_REPLAN_EPS;
}

/* May VM v migrate in an optimising move (cooldown, in flight, once)? */
static bool s_movable(const s_ctx_t *c, int v)
{
    const xgc_replan_vm_t *vm = &c->vms[v];
    if (vm->in_flight || c->moved[v] || c->orig[v] < 0 || c->host[v] != c->orig[v])
        return false;
    return !vm->last_move_ms || c->now - vm->last_move_ms >= c->p->cooldown_ms;
}

static bool s_pm_budget(const s_ctx_t *c, int j, int extra)
{
    return !c->p->max_per_pm || c->moves[j] + extra <= c->p->max_per_pm;
}

/* --- 1. the working placement and who must move -------------------------- */

/* From the input: VMs of fenced/off PMs lose their PM; VMs of failed PMs
 * stay stranded until the fence. */
static void s_load(s_ctx_t *c)
{
    for (size_t j = 0; j < c->np; j++)
        c->moves[j] = c->pms[j].ops_in_flight;
    for (size_t v = 0; v < c->nv; v++) {
        int j = c->vms[v].host;
        xgc_replan_vm_result_t *r = &c->out->vms[v];
        c->host[v] = c->orig[v] = -1;
        r->host = r->from = -1;
        r->why = XGC_REPLAN_KEPT;
        r->alloc_mhz = 0;
        r->reason[0] = 0;
        if (j < 0)
            continue;
        xgc_replan_pm_state_t st = c->pms[j].state;
        if (st == XGC_REPLAN_PM_FENCED || st == XGC_REPLAN_PM_OFF) {
            s_why(c, (int)v, XGC_REPLAN_FAILOVER, "%s %s", s_name(c, j),
                  st == XGC_REPLAN_PM_OFF ? "is off" : "was fenced");
            continue;
        }
        c->orig[v] = j;
        s_put(c, (int)v, j);
        if (st == XGC_REPLAN_PM_FAILED)
            s_why(c, (int)v, XGC_REPLAN_STRANDED, "%s failed: waits for its fence",
                  s_name(c, j));
    }
}

/* VMs of PM j by decreasing min (an overfull PM sheds its biggest first). */
static int *s_vms_on(const s_ctx_t *c, int j, size_t *n)
{
    int *l = malloc((c->nv ? c->nv : 1) * sizeof *l);
    *n = 0;
    if (!l)
        return NULL;
    for (size_t v = 0; v < c->nv; v++)
        if (c->host[v] == j)
            l[(*n)++] = (int)v;
    for (size_t a = 1; a < *n; a++)      /* insertion sort: a PM holds few VMs */
        for (size_t b = a; b > 0 && c->vms[l[b]].spec.min_mhz > c->vms[l[b - 1]].spec.min_mhz; b--) {
            int t = l[b];
            l[b] = l[b - 1];
            l[b - 1] = t;
        }
    return l;
}

/* Draining and overfull PMs: pick, within the budget, the VMs that leave
 * (they become unplaced: the placement step finds them a PM). A PM that
 * keeps VMs it should shed stays out of the problem this round. */
static int s_pick_leavers(s_ctx_t *c)
{
    for (size_t j = 0; j < c->np; j++) {
        xgc_replan_pm_state_t st = c->pms[j].state;
        bool drain = st == XGC_REPLAN_PM_DRAINING;
        c->in_problem_pm[j] = st == XGC_REPLAN_PM_UP || st == XGC_REPLAN_PM_OFF;
        if (!drain && !(st == XGC_REPLAN_PM_UP && s_over(c, (int)j)))
            continue;
        size_t n;
        int *l = s_vms_on(c, (int)j, &n);
        if (!l)
            return -1;
        int picked = 0;
        for (size_t k = 0; k < n && (drain || s_over(c, (int)j)); k++) {
            int v = l[k];
            if (c->vms[v].in_flight)
                continue;
            if (c->migrations + picked >= c->p->max_migrations
                || !s_pm_budget(c, (int)j, picked + 1)) {
                c->out->pending = true;
                break;
            }
            s_put(c, v, -1);     /* leaves: the placement step re-places it */
            c->moved[v] = true;
            picked++;
            c->leavers++;
        }
        /* An overfull PM sits this round out: a leaver that finds no room
         * must be able to stay without breaking the problem's constraints. */
        c->in_problem_pm[j] = false;
        free(l);
    }
    return 0;
}

/* --- 2. the placement problem of the round ------------------------------- */

/* EMM, PEMM and ours place a newcomer where it gains most. */
static bool s_by_gain(xgc_place_algorithm_t a)
{
    return a == XGC_PLACE_EMM || a == XGC_PLACE_PEMM || a == XGC_PLACE_XGC;
}

/* How much room PM j has left, the scarcer of CPU and memory, as a share. */
static double s_room(const s_ctx_t *c, int j)
{
    const xgc_pm_spec_t *pm = &c->pms[j].spec;
    double cpu = (pm->cpu_mhz - c->sum_min[j]) / (pm->cpu_mhz > 0 ? pm->cpu_mhz : 1);
    double mem = (pm->mem_mb - c->sum_mem[j]) / (pm->mem_mb > 0 ? pm->mem_mb : 1);
    return cpu < mem ? cpu : mem;
}

typedef struct {
    double room;
    int pm;
} s_room_t;

static int s_by_room(const void *a, const void *b)
{
    const s_room_t *x = a, *y = b;
    return x->room > y->room ? -1 : x->room < y->room ? 1 : x->pm - y->pm;
}

/* A round that only places newcomers by gain needs only the PMs they can
 * go to: the used PMs with the most room (the core's candidates, and more
 * for more newcomers) and the empty ones. The others and their VMs stay out
 * of the problem (they are only scored), which makes an arrival round's
 * placement cost independent of the cluster's size. */
static int s_narrow(s_ctx_t *c, size_t newcomers)
{
    s_room_t *used = malloc((c->np + 1) * sizeof *used);
    size_t n = 0, keep = XGC_REPLAN_CANDIDATES + 2 * newcomers;
    if (!used)
        return -1;
    for (size_t j = 0; j < c->np; j++)
        if (c->in_problem_pm[j] && (c->sum_min[j] > 0 || c->sum_mem[j] > 0))
            used[n++] = (s_room_t){s_room(c, (int)j), (int)j};
    if (n > keep) {
        qsort(used, n, sizeof *used, s_by_room);
        for (size_t k = keep; k < n; k++)
            c->in_problem_pm[used[k].pm] = false;
    }
    free(used);
    return 0;
}

/* Best destination for pv other than `avoid`, gaining or not: closing
 * needs moves that only pay off together (a migration: used PMs within the
 * per-PM budget), and PEMM places every newcomer even at a loss (a create:
 * any PM). -1 if nothing fits. O(PMs). */
static int s_best_anywhere(const s_ctx_t *c, size_t pv, int avoid, bool newcomer,
                           double *gain)
{
    int best = -1;
    *gain = -HUGE_VAL;
    for (size_t pj = 0; pj < c->npp; pj++) {
        int j = c->pm_of_problem[pj];
        if ((int)pj == avoid || !xgc_place_state_fits(c->state, pv, pj)
            || (!newcomer && (xgc_place_state_pm_count(c->state, pj) == 0
                              || !s_pm_budget(c, j, 1))))
            continue;
        double g = xgc_place_state_move_gain(c->state, pv, (int)pj, c->with_power);
        if (g > *gain) {
            *gain = g;
            best = (int)pj;
        }
    }
    return best;
}

/* Place the VMs unplaced in pm_of, everything else pinned. EMM, PEMM and
 * ours place a newcomer where it gains most (power counted for PEMM/ours),
 * which is their own expansion rule: done directly on the incremental state
 * it costs O(candidates × k) per newcomer instead of a pass of the
 * algorithm's search over the whole cluster (O(PMs) when nothing gains and
 * the least loss is wanted). BS/GM/GMM place by xgc_place_run. */
static int s_place_newcomers(s_ctx_t *c, int *pm_of)
{
    xgc_place_algorithm_t a = c->p->algo;
    if (s_by_gain(a) && (c->state = xgc_place_state_new(c->problem, pm_of))) {
        for (size_t pv = 0; pv < c->nvp; pv++) {
            double gain;
            if (pm_of[pv] != XGC_PLACE_UNPLACED)
                continue;
            int to = xgc_place_state_best_move(c->state, pv, c->with_power,
                                               XGC_REPLAN_CANDIDATES, &gain);
            if (to == XGC_PLACE_UNPLACED)   /* nothing gains: the least loss */
                to = s_best_anywhere(c, pv, -1, true, &gain);
            if (to >= 0)
                xgc_place_state_move(c->state, pv, to);
        }
        return 0;                /* what is left has no room anywhere */
    }
    xgc_place_options_t opt = xgc_place_options_default(a);
    int *placed = malloc((c->nvp ? c->nvp : 1) * sizeof *placed);
    if (!placed)
        return -1;
    if (xgc_place_run(c->problem, &opt, pm_of, NULL, placed) == 0)
        c->state = xgc_place_state_new(c->problem, placed);
    free(placed);
    return c->state ? 0 : -1;
}

static int s_build_problem(s_ctx_t *c)
{
    xgc_pm_spec_t *pms = malloc((c->np ? c->np : 1) * sizeof *pms);
    xgc_vm_spec_t *vms = malloc((c->nv ? c->nv : 1) * sizeof *vms);
    int *pm_of = malloc((c->nv ? c->nv : 1) * sizeof *pm_of);
    int rc = -1;
    if (!pms || !vms || !pm_of)
        goto done;
    c->npp = c->nvp = 0;
    for (size_t j = 0; j < c->np; j++) {
        c->pm_to_problem[j] = -1;
        if (!c->in_problem_pm[j])
            continue;
        c->pm_to_problem[j] = (int)c->npp;
        c->pm_of_problem[c->npp] = (int)j;
        pms[c->npp++] = c->pms[j].spec;
    }
    for (size_t v = 0; v < c->nv; v++) {
        int j = c->host[v];
        c->vm_to_problem[v] = -1;
        if (j >= 0 && c->pm_to_problem[j] < 0)
            continue;            /* stays outside: stranded or not leaving */
        c->vm_to_problem[v] = (int)c->nvp;
        c->vm_of_problem[c->nvp] = (int)v;
        pm_of[c->nvp] = j >= 0 ? c->pm_to_problem[j] : XGC_PLACE_UNPLACED;
        vms[c->nvp++] = c->vms[v].spec;
    }
    c->problem = xgc_place_problem_new(pms, c->npp, vms, c->nvp);
    if (c->problem)
        rc = s_place_newcomers(c, pm_of);
done:
    free(pms);
    free(vms);
    free(pm_of);
    return rc;
}

/* Caller's PM index of problem VM pv, or -1. */
static int s_state_host(const s_ctx_t *c, size_t pv)
{
    int pj = xgc_place_state_pm_of(c->state, pv);
    return pj == XGC_PLACE_UNPLACED ? -1 : c->pm_of_problem[pj];
}

/* Record where the placement step put the newcomers and the leavers; a
 * leaver whose destination is over its per-PM limit, or that found no room,
 * stays where it was. */
static void s_take_placement(s_ctx_t *c)
{
    for (size_t pv = 0; pv < c->nvp; pv++) {
        int v = c->vm_of_problem[pv], j = s_state_host(c, pv);
        if (c->host[v] >= 0)
            continue;            /* was placed before: pinned */
        int from = c->orig[v];
        if (from >= 0 && (j < 0 || !s_pm_budget(c, j, 1))) {
            if (j >= 0)
                xgc_place_state_move(c->state, pv, XGC_PLACE_UNPLACED);
            s_put(c, v, from);
            c->vm_to_problem[v] = -1;   /* outside again, on its old PM */
            c->moved[v] = false;
            s_why(c, v, XGC_REPLAN_KEPT, "should leave %s: no room or budget elsewhere",
                  s_name(c, from));
            c->out->pending = true;
            continue;
        }
        s_put(c, v, j);
        if (from >= 0) {
            bool drain = c->pms[from].state == XGC_REPLAN_PM_DRAINING;
            c->moves[from]++;
            c->moves[j]++;
            c->migrations++;
            s_why(c, v, drain ? XGC_REPLAN_EVACUATED : XGC_REPLAN_RELIEVED,
                  "%s %s: to %s", s_name(c, from),
                  drain ? "is draining" : "is over capacity", s_name(c, j));
        } else if (j < 0) {
            s_why(c, v, XGC_REPLAN_UNPLACED, "no room for min %.0f MHz, %.0f MB",
                  c->vms[v].spec.min_mhz, c->vms[v].spec.mem_mb);
        } else if (c->out->vms[v].why == XGC_REPLAN_FAILOVER) {
            char was[XGC_REPLAN_REASON_MAX];
            snprintf(was, sizeof was, "%s", c->out->vms[v].reason);
            s_why(c, v, XGC_REPLAN_FAILOVER, "%.60s: re-created on %s", was, s_name(c, j));
        } else {
            s_why(c, v, XGC_REPLAN_PLACED, "arrival: placed on %s", s_name(c, j));
        }
    }
}

/* --- 3. improving: closing PMs, single moves ----------------------------- */

/* Migrate problem VM pv to problem PM pj (which must fit it). */
static void s_migrate(s_ctx_t *c, size_t pv, int pj)
{
    int v = c->vm_of_problem[pv], a = c->host[v], b = c->pm_of_problem[pj];
    xgc_place_state_move(c->state, pv, pj);
    s_put(c, v, b);
    c->moves[a]++;
    c->moves[b]++;
    c->migrations++;
    c->moved[v] = true;
}

/* Try to empty problem PM pj into the other used PMs: keep it if Net gains
 * more than the margin per migration, else undo. Returns migrations made. */
static int s_try_close(s_ctx_t *c, size_t pj)
{
    size_t n = xgc_place_state_pm_count(c->state, pj);
    int j = c->pm_of_problem[pj];
    if (!n || c->pms[j].state != XGC_REPLAN_PM_UP
        || c->migrations + (int)n > c->p->max_migrations)
        return 0;
    size_t list[n];
    size_t k = 0;
    for (size_t pv = 0; pv < c->nvp && k < n; pv++)
        if (xgc_place_state_pm_of(c->state, pv) == (int)pj) {
            if (!s_movable(c, c->vm_of_problem[pv]))
                return 0;
            list[k++] = pv;
        }
    double before = xgc_place_state_net(c->state);
    size_t done = 0;
    for (; done < n; done++) {
        double g;
        int to = s_best_anywhere(c, list[done], (int)pj, false, &g);
        if (to < 0)
            break;
        xgc_place_state_move(c->state, list[done], to);
        c->moves[c->pm_of_problem[to]]++;    /* tentative, for the per-PM limit */
    }
    double gain = xgc_place_state_net(c->state) - before;
    bool keep = done == n && gain > c->p->gain_margin * (double)n;
    for (size_t i = 0; i < done; i++) {
        size_t pv = list[i];
        int to = xgc_place_state_pm_of(c->state, pv);
        xgc_place_state_move(c->state, pv, (int)pj);   /* undo, then redo for real */
        c->moves[c->pm_of_problem[to]]--;
        if (keep) {
            s_migrate(c, pv, to);
            s_why(c, c->vm_of_problem[pv], XGC_REPLAN_CONSOLIDATED,
                  "closing %s (net %+.1f): to %s", s_name(c, j), gain,
                  s_name(c, c->pm_of_problem[to]));
        }
    }
    return keep ? (int)n : 0;
}

/* Problem PMs ordered for closing: fewest VMs first. */
static void s_close_order(const s_ctx_t *c, size_t *order)
{
    for (size_t pj = 0; pj < c->npp; pj++)
        order[pj] = pj;
    for (size_t a = 1; a < c->npp; a++) {     /* stable insertion by count */
        size_t x = order[a], cx = xgc_place_state_pm_count(c->state, x), b = a;
        for (; b > 0 && xgc_place_state_pm_count(c->state, order[b - 1]) > cx; b--)
            order[b] = order[b - 1];
        order[b] = x;
    }
}

/* The best single move of the round, if it gains more than the margin:
 * returns 1 after making it, 0 if none. */
static int s_best_single(s_ctx_t *c)
{
    size_t best_v = 0;
    int best_pm = -1;
    double best_gain = c->p->gain_margin;
    for (size_t pv = 0; pv < c->nvp; pv++) {
        int v = c->vm_of_problem[pv];
        if (!s_movable(c, v) || !s_pm_budget(c, c->host[v], 1))
            continue;
        double g;
        int to = xgc_place_state_best_move(c->state, pv, c->with_power,
                                           XGC_REPLAN_CANDIDATES, &g);
        if (to == XGC_PLACE_UNPLACED || g <= best_gain
            || !s_pm_budget(c, c->pm_of_problem[to], 1))
            continue;
        best_gain = g;
        best_v = pv;
        best_pm = to;
    }
    if (best_pm < 0)
        return 0;
    int v = c->vm_of_problem[best_v], from = c->host[v];
    s_migrate(c, best_v, best_pm);
    s_why(c, v, XGC_REPLAN_REBALANCED, "net %+.1f: %s to %s", best_gain,
          s_name(c, from), s_name(c, c->host[v]));
    return 1;
}

/* Policy consolidate: migrate.c's moves (through the bridge, as xgc sim
 * takes them) on the working placement, where VMs placed or moved this
 * round and VMs under way are pinned; each kept only within replan's
 * budgets and the placement core's constraints (min and memory). */
static int s_improve_consolidate(s_ctx_t *c)
{
    int left = c->p->max_migrations - c->migrations;
    if (left <= 0)
        return 0;
    xgc_replan_vm_t *view = malloc((c->nv + 1) * sizeof *view);
    xgc_plan_move_t *moves = malloc((size_t)left * sizeof *moves);
    int n = -1;
    if (view && moves) {
        for (size_t v = 0; v < c->nv; v++) {
            view[v] = c->vms[v];
            view[v].host = c->host[v];
            view[v].in_flight = c->vms[v].in_flight || c->moved[v] || c->orig[v] < 0
                                || c->host[v] != c->orig[v];
        }
        xgc_plan_params_t plan = c->p->plan;    /* plan within replan's per-PM limit */
        if (c->p->max_per_pm > 0 && c->p->max_per_pm < plan.max_moves_per_pm)
            plan.max_moves_per_pm = c->p->max_per_pm;
        n = xgc_bridge_plan(&plan, c->p->round_ms, c->now, c->pms, c->np, view, c->nv, moves,
                            left);
    }
    for (int i = 0; i < n; i++) {
        const xgc_plan_move_t *m = &moves[i];
        int pv = c->vm_to_problem[m->vm], pj = c->pm_to_problem[m->to];
        if (pv < 0 || pj < 0 || c->migrations >= c->p->max_migrations
            || !s_pm_budget(c, m->from, 1) || !s_pm_budget(c, m->to, 1)
            || !xgc_place_state_fits(c->state, (size_t)pv, (size_t)pj))
            continue;
        s_migrate(c, (size_t)pv, pj);
        if (m->relief)
            s_why(c, m->vm, XGC_REPLAN_RELIEVED, "%s overloaded (demand): to %s",
                  s_name(c, m->from), s_name(c, m->to));
        else
            s_why(c, m->vm, XGC_REPLAN_CONSOLIDATED, "emptying %s (underloaded): to %s",
                  s_name(c, m->from), s_name(c, m->to));
    }
    free(view);
    free(moves);
    return n < 0 ? -1 : 0;
}

static int s_improve(s_ctx_t *c)
{
    if (c->p->policy == XGC_REPLAN_POLICY_CONSOLIDATE)
        return s_improve_consolidate(c);
    size_t *order = malloc((c->npp ? c->npp : 1) * sizeof *order);
    if (!order)
        return -1;
    if (c->with_power) {
        s_close_order(c, order);
        int tries = 0;
        for (size_t k = 0; k < c->npp && tries < XGC_REPLAN_CLOSE_TRIES; k++) {
            if (xgc_place_state_pm_count(c->state, order[k]) == 0)
                continue;
            tries++;
            s_try_close(c, order[k]);
        }
    }
    free(order);
    while (c->migrations < c->p->max_migrations && s_best_single(c))
        ;
    return 0;
}

/* --- 4. power and totals -------------------------------------------------- */

static void s_power(s_ctx_t *c, const size_t *count)
{
    for (size_t j = 0; j < c->np; j++) {
        const xgc_replan_pm_t *pm = &c->pms[j];
        xgc_replan_pm_result_t *r = &c->out->pms[j];
        r->empty_since_ms = 0;
        if (count[j]) {
            r->on = true;
            r->switched = pm->state == XGC_REPLAN_PM_OFF;
            if (r->switched)
                snprintf(r->reason, sizeof r->reason, "switched on for %zu VMs", count[j]);
            continue;
        }
        r->on = pm->state == XGC_REPLAN_PM_UP || pm->state == XGC_REPLAN_PM_DRAINING
             || pm->state == XGC_REPLAN_PM_FAILED;
        if (pm->state != XGC_REPLAN_PM_UP)
            continue;            /* only up PMs are switched off by us */
        r->empty_since_ms = pm->empty_since_ms ? pm->empty_since_ms : c->now;
        if (c->now - r->empty_since_ms >= c->p->power_off_hold_ms) {
            r->on = false;
            r->switched = true;
            snprintf(r->reason, sizeof r->reason, "empty for %.0f s",
                     (double)(c->now - r->empty_since_ms) / 1000.0);
        }
    }
}

/* Water-filled allocation and utility of the VMs of PM j (all of them,
 * inside the problem or not). Returns the gross utility. */
static double s_pm_alloc(s_ctx_t *c, int j, const int *vms, size_t n)
{
    double min[n ? n : 1], max[n ? n : 1], shares[n ? n : 1], x[n ? n : 1];
    for (size_t k = 0; k < n; k++) {
        const xgc_vm_spec_t *s = &c->vms[vms[k]].spec;
        min[k] = s->min_mhz;
        max[k] = s->max_mhz;
        shares[k] = s->shares;
        x[k] = s->min_mhz;       /* an overfull PM: report the mins */
    }
    xgc_place_waterfill(n, min, max, shares, c->pms[j].spec.cpu_mhz, x);
    double u = 0;
    for (size_t k = 0; k < n; k++) {
        c->out->vms[vms[k]].alloc_mhz = x[k];
        u += xgc_place_utility(&c->vms[vms[k]].spec, x[k]);
    }
    return u;
}

static int s_totals(s_ctx_t *c)
{
    size_t *count = calloc(c->np + 1, sizeof *count);
    size_t *start = calloc(c->np + 1, sizeof *start);
    size_t *fill = calloc(c->np + 1, sizeof *fill);
    int *by_pm = malloc((c->nv + 1) * sizeof *by_pm);
    int rc = -1;
    if (!count || !start || !fill || !by_pm)
        goto done;
    xgc_replan_result_t *o = c->out;
    for (size_t v = 0; v < c->nv; v++) {
        xgc_replan_vm_result_t *r = &o->vms[v];
        r->host = c->host[v];
        r->from = c->orig[v] >= 0 && c->host[v] >= 0 && c->host[v] != c->orig[v]
                      ? c->orig[v] : -1;
        if (r->host >= 0)
            count[r->host]++;
        else
            o->unplaced++;
        if (r->why == XGC_REPLAN_PLACED || r->why == XGC_REPLAN_FAILOVER)
            o->placed += r->host >= 0;
        if (r->from >= 0)
            o->migrations++;
    }
    for (size_t j = 0; j < c->np; j++)       /* counting sort of VMs by PM */
        start[j + 1] = start[j] + count[j];
    for (size_t v = 0; v < c->nv; v++)
        if (c->host[v] >= 0)
            by_pm[start[c->host[v]] + fill[c->host[v]]++] = (int)v;
    for (size_t j = 0; j < c->np; j++) {
        if (!count[j])
            continue;
        o->utility += s_pm_alloc(c, (int)j, by_pm + start[j], count[j]);
        o->power_cost += c->pms[j].spec.power_cost;
    }
    o->net = o->utility - o->power_cost;
    s_power(c, count);
    for (size_t j = 0; j < c->np; j++) {
        o->pms_on += o->pms[j].on;
        o->switched_on += o->pms[j].switched && o->pms[j].on;
        o->switched_off += o->pms[j].switched && !o->pms[j].on;
    }
    rc = 0;
done:
    free(count);
    free(start);
    free(fill);
    free(by_pm);
    return rc;
}

/* --- the round ------------------------------------------------------------ */

void xgc_replan_params_default(xgc_replan_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->algo = XGC_PLACE_PEMM;
    p->max_migrations = 4;
    p->max_per_pm = 2;
    p->cooldown_ms = 60000;
    p->gain_margin = 1.0;
    p->power_off_hold_ms = 30000;
    p->policy = XGC_REPLAN_POLICY_PEMM;
    xgc_plan_params_default(&p->plan);
    p->round_ms = 10000;
}

static void s_ctx_free(s_ctx_t *c)
{
    xgc_place_state_destroy(&c->state);
    xgc_place_problem_destroy(&c->problem);
    free(c->host);
    free(c->orig);
    free(c->moved);
    free(c->in_problem_pm);
    free(c->moves);
    free(c->sum_min);
    free(c->sum_mem);
    free(c->pm_of_problem);
    free(c->pm_to_problem);
    free(c->vm_of_problem);
    free(c->vm_to_problem);
}

static int s_ctx_init(s_ctx_t *c)
{
    size_t nv = c->nv + 1, np = c->np + 1;
    c->host = malloc(nv * sizeof *c->host);
    c->orig = malloc(nv * sizeof *c->orig);
    c->moved = calloc(nv, sizeof *c->moved);
    c->vm_of_problem = malloc(nv * sizeof *c->vm_of_problem);
    c->vm_to_problem = malloc(nv * sizeof *c->vm_to_problem);
    c->in_problem_pm = calloc(np, sizeof *c->in_problem_pm);
    c->moves = calloc(np, sizeof *c->moves);
    c->sum_min = calloc(np, sizeof *c->sum_min);
    c->sum_mem = calloc(np, sizeof *c->sum_mem);
    c->pm_of_problem = malloc(np * sizeof *c->pm_of_problem);
    c->pm_to_problem = malloc(np * sizeof *c->pm_to_problem);
    c->out->vms = malloc(nv * sizeof *c->out->vms);   /* set in s_load */
    c->out->pms = calloc(np, sizeof *c->out->pms);
    return c->host && c->orig && c->moved && c->vm_of_problem && c->vm_to_problem
        && c->in_problem_pm && c->moves && c->sum_min && c->sum_mem
        && c->pm_of_problem && c->pm_to_problem && c->out->vms && c->out->pms ? 0 : -1;
}

int xgc_replan_run(const xgc_replan_pm_t *pms, size_t n_pms,
                   const xgc_replan_vm_t *vms, size_t n_vms,
                   const xgc_replan_params_t *params, int64_t now_ms,
                   xgc_replan_result_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = 0;
    for (size_t v = 0; v < n_vms; v++)
        if (vms[v].host < -1 || vms[v].host >= (int)n_pms) {
            snprintf(err, errlen, "VM '%s': PM index %d out of range (%zu PMs)",
                     vms[v].spec.name, vms[v].host, n_pms);
            return -1;
        }
    s_ctx_t c = {.pms = pms, .vms = vms, .np = n_pms, .nv = n_vms, .p = params,
                 .now = now_ms, .out = out};
    c.with_power = params->algo == XGC_PLACE_PEMM || params->algo == XGC_PLACE_XGC;
    out->n_vms = n_vms;
    out->n_pms = n_pms;
    int rc = s_ctx_init(&c);
    if (rc == 0) {
        s_load(&c);
        rc = s_pick_leavers(&c);
    }
    if (rc == 0 && !params->optimise && !c.leavers && s_by_gain(params->algo)) {
        size_t newcomers = 0;
        for (size_t v = 0; v < n_vms; v++)
            newcomers += c.host[v] < 0;
        rc = s_narrow(&c, newcomers);
    }
    if (rc == 0 && (rc = s_build_problem(&c)) < 0)
        snprintf(err, errlen, "placement failed (allocation or an invalid VM/PM spec)");
    if (rc == 0) {
        s_take_placement(&c);
        if (params->optimise)
            rc = s_improve(&c);
    }
    if (rc == 0)
        rc = s_totals(&c);
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "out of memory");
    s_ctx_free(&c);
    if (rc < 0)
        xgc_replan_result_free(out);
    return rc;
}

void xgc_replan_result_free(xgc_replan_result_t *r)
{
    free(r->vms);
    free(r->pms);
    memset(r, 0, sizeof *r);
}

const char *xgc_replan_why_name(xgc_replan_why_t why)
{
    static const char *names[] = {"kept", "placed", "failover", "evacuated", "relieved",
                                  "consolidated", "rebalanced", "unplaced", "stranded"};
    return why >= 0 && why <= XGC_REPLAN_STRANDED ? names[why] : "?";
}

const char *xgc_replan_policy_name(xgc_replan_policy_t policy)
{
    return policy == XGC_REPLAN_POLICY_CONSOLIDATE ? "consolidate" : "pemm";
}

int xgc_replan_policy_parse(const char *name)
{
    return !strcmp(name, "pemm") ? XGC_REPLAN_POLICY_PEMM
         : !strcmp(name, "consolidate") ? XGC_REPLAN_POLICY_CONSOLIDATE : -1;
}

const char *xgc_replan_pm_state_name(xgc_replan_pm_state_t state)
{
    static const char *names[] = {"up", "draining", "failed", "fenced", "off"};
    return state >= 0 && state <= XGC_REPLAN_PM_OFF ? names[state] : "?";
}
