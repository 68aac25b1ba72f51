/* migrate.c — consolidation planner and migration gate (see migrate.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy/migrate.h"
#include "scheduler/policy/params.h"

void xgc_plan_params_default(xgc_plan_params_t *p)
{
    p->target = 1.00;
    p->overload = 1.00;
    p->underload = 0.80;
    p->max_moves = 0;
    p->max_moves_per_pm = 8;
    p->cooldown = 12;
    p->no_return = 72;
    p->min_gain_w = 5;
    p->z = 0.65;
    p->catch_up = 8;
    p->margin = 0.02;
}

int xgc_plan_params_check_key(const xgc_plan_params_t *p, const char **key, const char **why)
{
    /* in order: the first rule broken is reported; names as in params.c */
    const xgc_policy_rule_t rules[] = {
        {!(p->target > 0 && p->target <= 1), "target", "target must be in (0, 1]"},
        {!(p->overload >= p->target), "overload", "overload must be >= target"},
        {!(p->underload >= 0 && p->underload < p->target), "underload",
         "underload must be in [0, target)"},
        {p->max_moves < 0, "moves", "moves must be >= 0 (0 = 2 % of the VMs, at least 4)"},
        {p->max_moves_per_pm < 1, "per_pm", "per_pm must be >= 1"},
        {p->catch_up < 1 || p->catch_up > 100, "catch_up", "catch_up must be 1..100"},
        {!(p->z >= 0 && p->z <= 10), "z", "z must be in [0, 10]"},
        {!(p->margin >= 0 && p->margin < p->target), "margin", "margin must be in [0, target)"},
        {p->cooldown < 0, "cooldown", "cooldown must be >= 0"},
        {p->no_return < 0, "no_return", "no_return must be >= 0"},
        {!(p->min_gain_w >= 0), "gain", "gain must be >= 0 (watts per migration)"},
    };
    return xgc_policy_rules_check(rules, sizeof rules / sizeof rules[0], key, why);
}

int xgc_plan_params_check(const xgc_plan_params_t *p, const char **why)
{
    return xgc_plan_params_check_key(p, NULL, why);
}

/* The round's working state. */
typedef struct {
    const xgc_plan_params_t *p;
    const xgc_plan_pm_t *pms;
    const xgc_plan_vm_t *vms;
    int     n_pms, n_vms, round;
    double *mean, *var; /* joint load per PM after the moves so far */
    double *seen;       /* observed load per PM */
    double *ram;        /* memory in use per PM */
    int    *where;      /* VM -> PM after the moves so far */
    int    *moves_at;   /* migrations in or out per PM this round */
    char   *awake;      /* awake after the moves so far */
    char   *locked;     /* 1: receiver (not emptied), 2: being emptied */
    int    *tmp_vm;     /* scratch list of VMs */
    int     ignore_limits;
    xgc_plan_move_t *out;
    int     n_out, max_out;
    int     now_out;    /* budget for violations now (catch_up x max_out) */
} s_plan_t;

static double s_marginal_w(const xgc_plan_pm_t *pm)
{
    return (pm->max_w - pm->idle_w) / pm->capacity;
}

static double s_power_w(const xgc_plan_pm_t *pm, double load)
{
    double u = load / pm->capacity;
    return pm->idle_w + (pm->max_w - pm->idle_w) * (u < 1 ? u : 1);
}

/* Sized load of PM i, with VM v added (sign 1), removed (-1) or not (0). */
static double s_size(const s_plan_t *s, int i, int v, int sign)
{
    double m = s->mean[i], q = s->var[i];
    if (sign) {
        m += sign * s->vms[v].mean;
        q += sign * s->vms[v].spread * s->vms[v].spread;
    }
    return m + s->p->z * sqrt(q > 0 ? q : 0);
}

static int s_fits(const s_plan_t *s, int i, int v, double limit)
{
    const xgc_plan_pm_t *pm = &s->pms[i];
    if (pm->ram > 0 && s->ram[i] + s->vms[v].ram > pm->ram)
        return 0;
    /* the receiver must stay under `margin` below the limit on what its VMs
     * use *now*: the sized load lags a rising VM, and an overloaded
     * receiver undoes the move */
    if (s->seen[i] + s->vms[v].demand > (limit - s->p->margin) * pm->capacity)
        return 0;
    return s->vms[v].estimate <= pm->core && s_size(s, i, v, 1) <= limit * pm->capacity;
}

static int s_may_receive(const s_plan_t *s, int i, int v)
{
    const xgc_plan_vm_t *vm = &s->vms[v];
    if (s->locked[i] == 2 || i == s->where[v]
        || (!s->ignore_limits && s->moves_at[i] >= s->p->max_moves_per_pm))
        return 0;
    return !(vm->last_from == i && vm->last_move >= 0
             && s->round - vm->last_move < s->p->no_return);
}

/* Best fit among awake PMs (least room left), ties to the cheaper watt. */
static int s_best_awake(const s_plan_t *s, int v)
{
    int best = -1;
    double best_room = INFINITY;
    for (int i = 0; i < s->n_pms; i++) {
        if (!s->awake[i] || !s_may_receive(s, i, v) || !s_fits(s, i, v, s->p->target))
            continue;
        double room = s->p->target * s->pms[i].capacity - s_size(s, i, v, 1);
        if (room < best_room - 1e-9
            || (room < best_room + 1e-9 && best >= 0
                && s_marginal_w(&s->pms[i]) < s_marginal_w(&s->pms[best]))) {
            best_room = room;
            best = i;
        }
    }
    return best;
}

/* The sleeping PM with the lowest full-load watts per unit of capacity. */
static int s_best_asleep(const s_plan_t *s, int v)
{
    int best = -1;
    for (int i = 0; i < s->n_pms; i++) {
        if (s->awake[i] || !s_may_receive(s, i, v) || !s_fits(s, i, v, s->p->target))
            continue;
        if (best < 0 || s->pms[i].max_w / s->pms[i].capacity
                            < s->pms[best].max_w / s->pms[best].capacity)
            best = i;
    }
    return best;
}

/* Moves VM v to PM `to` in the plan (sign 1), or undoes that (sign -1). */
static void s_shift(s_plan_t *s, int v, int from, int to, int sign)
{
    const xgc_plan_vm_t *vm = &s->vms[v];
    double q = vm->spread * vm->spread;
    s->mean[from] -= sign * vm->mean;
    s->var[from] -= sign * q;
    s->seen[from] -= sign * vm->demand;
    s->ram[from] -= sign * vm->ram;
    s->ram[to] += sign * vm->ram;
    s->mean[to] += sign * vm->mean;
    s->var[to] += sign * q;
    s->seen[to] += sign * vm->demand;
    s->moves_at[from] += sign;
    s->moves_at[to] += sign;
    s->where[v] = sign > 0 ? to : from;
}

static void s_move(s_plan_t *s, int v, int to, int relief)
{
    s->out[s->n_out++] = (xgc_plan_move_t){v, s->where[v], to, relief};
    s_shift(s, v, s->where[v], to, 1);
    s->awake[to] = 1;
}

static int s_budget_left(const s_plan_t *s)
{
    return s->n_out < s->max_out;
}

/* PM i is violated *now*: its VMs use more than its capacity less the
 * margin (the load moves on while a copy runs), or one is larger than its
 * core. */
static int s_violated(const s_plan_t *s, int i)
{
    const xgc_plan_pm_t *pm = &s->pms[i];
    if (s->seen[i] > (1 - s->p->margin) * pm->capacity)
        return 1;
    for (int v = 0; v < s->n_vms; v++)
        if (s->where[v] == i && s->vms[v].estimate > pm->core)
            return 1;
    return 0;
}

/* PM i is overloaded on its sized load (a forecast), or violated now. */
static int s_overloaded(const s_plan_t *s, int i)
{
    return s_size(s, i, 0, 0) > s->p->overload * s->pms[i].capacity || s_violated(s, i);
}

/* The VM to shed from PM i: one too big for the core, else, among those
 * whose departure alone brings the PM under its limit, the one with the
 * least RAM (the shortest copy: the overload lasts until a copy ends, and
 * the CPU lost while copying grows with it), less demand on a tie; else
 * the one whose departure lowers the PM most; cooling-down VMs only when
 * nothing else is. The limit is on what the VMs use now for a violation
 * now (`now`: shedding a VM idle now fixes nothing), on the sized load
 * for a forecast overload. */
static int s_pick_shed(const s_plan_t *s, int i, int allow_cooling, int now)
{
    const xgc_plan_pm_t *pm = &s->pms[i];
    double limit = (now ? 1 - s->p->margin : s->p->target) * pm->capacity;
    double lowest = INFINITY;
    int cover = -1, largest = -1;
    for (int v = 0; v < s->n_vms; v++) {
        const xgc_plan_vm_t *vm = &s->vms[v];
        if (s->where[v] != i || vm->pm != i || vm->pinned)
            continue;
        int cooling = vm->last_move >= 0 && s->round - vm->last_move < s->p->cooldown;
        if (cooling && !allow_cooling)
            continue;
        if (vm->estimate > pm->core)
            return v;
        double after = now ? s->seen[i] - vm->demand : s_size(s, i, v, -1);
        const xgc_plan_vm_t *c = cover >= 0 ? &s->vms[cover] : NULL;
        if (after <= limit
            && (!c || vm->move_cost < c->move_cost
                || (vm->move_cost == c->move_cost && vm->demand < c->demand)))
            cover = v;
        if (after < lowest) {
            lowest = after;
            largest = v;
        }
    }
    return cover >= 0 ? cover : largest;
}

/* Sheds VMs from PMs in trouble. Pass `now` handles the PMs violated now
 * until they are not, within the larger budget now_out: the SLA is being
 * violated, and a PM left over until the next round stays over all of it.
 * Then (now = 0) every PM overloaded on its sized load, until that is under
 * target, within the round's budget. */
static void s_relieve(s_plan_t *s, int now)
{
    int budget = now ? s->now_out : s->max_out;
    for (int i = 0; i < s->n_pms; i++) {
        if (!s->awake[i] || !(now ? s_violated(s, i) : s_overloaded(s, i)))
            continue;
        s->locked[i] = 2;   /* sheds now: receives nothing this round */
        while (s->n_out < budget && s->moves_at[i] < s->p->max_moves_per_pm
               && (now ? s_violated(s, i)
                       : s_size(s, i, 0, 0) > s->p->target * s->pms[i].capacity
                             || s_overloaded(s, i))) {
            int v = s_pick_shed(s, i, 0, now);
            if (v < 0)
                v = s_pick_shed(s, i, 1, now);
            if (v < 0)
                break;
            int to = s_best_awake(s, v);
            if (to < 0)
                to = s_best_asleep(s, v);
            if (to < 0)
                break;
            s_move(s, v, to, 1);
            s->locked[to] = s->locked[to] ? s->locked[to] : 1;
        }
    }
}

/* Drains PM i onto awake PMs: only if *all* its VMs fit elsewhere now
 * (checked ignoring the round's budgets) and the power saved passes the
 * margin; then moves as many as the budgets allow. A PM left half-drained
 * is the least loaded one next round and is drained further: no state. */
static void s_try_empty(s_plan_t *s, int i)
{
    int n = 0, ok = 1;
    double before = s_power_w(&s->pms[i], s->mean[i]), added = 0;
    s->ignore_limits = 1;
    for (int v = 0; v < s->n_vms && ok; v++) {
        if (s->where[v] != i)
            continue;
        const xgc_plan_vm_t *vm = &s->vms[v];
        int cooling = vm->pinned
                      || (vm->last_move >= 0 && s->round - vm->last_move < s->p->cooldown);
        int to = cooling ? -1 : s_best_awake(s, v);
        if (to < 0) {
            ok = 0;
            break;
        }
        added += s_marginal_w(&s->pms[to]) * vm->mean;
        s->tmp_vm[n++] = v;
        s_shift(s, v, i, to, 1);
    }
    s->ignore_limits = 0;
    for (int k = n - 1; k >= 0; k--)   /* undo the trial */
        s_shift(s, s->tmp_vm[k], i, s->where[s->tmp_vm[k]], -1);
    if (!ok || !n || before - added < s->p->min_gain_w * n) {
        s->locked[i] = 0;   /* nothing moved: it may still receive */
        return;
    }
    int moved = 0;
    for (int k = 0; k < n && s_budget_left(s) && moved < s->p->max_moves_per_pm; k++) {
        int to = s_best_awake(s, s->tmp_vm[k]);
        if (to < 0)
            break;
        s_move(s, s->tmp_vm[k], to, 0);
        if (!s->locked[to])
            s->locked[to] = 1;
        moved++;
    }
    if (moved == n)
        s->awake[i] = 0;
    else if (!moved)
        s->locked[i] = 0;
}

static void s_consolidate(s_plan_t *s)
{
    int *order = malloc((size_t)s->n_pms * sizeof *order), n = 0;
    if (!order)
        return;
    for (int i = 0; i < s->n_pms; i++)
        if (s->awake[i] && !s->locked[i]
            && s_size(s, i, 0, 0) < s->p->underload * s->pms[i].capacity)
            order[n++] = i;
    for (int a = 1; a < n; a++) {   /* least loaded share first, stable */
        int i = order[a], b = a;
        double u = s_size(s, i, 0, 0) / s->pms[i].capacity;
        while (b > 0 && s_size(s, order[b - 1], 0, 0) / s->pms[order[b - 1]].capacity > u) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = i;
    }
    for (int a = 0; a < n && s_budget_left(s); a++) {
        int i = order[a];
        if (s->locked[i])
            continue;
        s->locked[i] = 2;
        s_try_empty(s, i);
    }
    free(order);
}

/* More than twice the PMs the load needs (at target, on the largest PM)
 * are awake. */
static int s_catching_up(const s_plan_t *s)
{
    double load = 0, largest = 0;
    int awake = 0;
    for (int v = 0; v < s->n_vms; v++)
        if (s->where[v] >= 0)
            load += s->vms[v].mean;
    for (int i = 0; i < s->n_pms; i++) {
        awake += s->awake[i];
        if (s->pms[i].capacity > largest)
            largest = s->pms[i].capacity;
    }
    return largest > 0 && awake > 2 * ceil(load / (s->p->target * largest));
}

int xgc_plan_round(const xgc_plan_params_t *params, const xgc_plan_pm_t *pms, int n_pms,
                   const xgc_plan_vm_t *vms, int n_vms, int round,
                   xgc_plan_move_t *moves, int max_out)
{
    if (!params || xgc_plan_params_check(params, NULL) || n_pms < 0 || n_vms < 0
        || (n_pms && !pms) || (n_vms && !vms) || max_out < 0 || (max_out && !moves))
        return -1;
    int budget = params->max_moves ? params->max_moves : (n_vms / 50 > 4 ? n_vms / 50 : 4);
    s_plan_t s = {params, pms, vms, n_pms, n_vms, round, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, 0, moves, 0, budget < max_out ? budget : max_out,
                  budget * params->catch_up < max_out ? budget * params->catch_up : max_out};
    size_t np = (size_t)(n_pms ? n_pms : 1), nv = (size_t)(n_vms ? n_vms : 1);
    s.mean = calloc(np, sizeof *s.mean);
    s.var = calloc(np, sizeof *s.var);
    s.seen = calloc(np, sizeof *s.seen);
    s.ram = calloc(np, sizeof *s.ram);
    s.tmp_vm = calloc(nv, sizeof *s.tmp_vm);
    s.where = calloc(nv, sizeof *s.where);
    s.moves_at = calloc(np, sizeof *s.moves_at);
    s.awake = calloc(np, 1);
    s.locked = calloc(np, 1);
    int rc = -1;
    if (s.mean && s.var && s.seen && s.ram && s.tmp_vm && s.where && s.moves_at && s.awake && s.locked) {
        for (int i = 0; i < n_pms; i++)
            s.awake[i] = !pms[i].asleep;
        for (int v = 0; v < n_vms; v++) {
            int i = vms[v].pm;
            s.where[v] = i;
            if (i < 0 || i >= n_pms)
                continue;
            s.mean[i] += vms[v].mean;
            s.var[i] += vms[v].spread * vms[v].spread;
            s.seen[i] += vms[v].demand;
            s.ram[i] += vms[v].ram;
            s.awake[i] = 1;
        }
        if (s_catching_up(&s))
            s.max_out = budget * params->catch_up < max_out ? budget * params->catch_up : max_out;
        s_relieve(&s, 1);
        s_relieve(&s, 0);
        s_consolidate(&s);
        rc = s.n_out;
    }
    free(s.mean);
    free(s.var);
    free(s.seen);
    free(s.ram);
    free(s.tmp_vm);
    free(s.where);
    free(s.moves_at);
    free(s.awake);
    free(s.locked);
    return rc;
}

int xgc_plan_place(const xgc_plan_params_t *params, const xgc_plan_pm_t *pms, int n_pms,
                   const double *mean, const double *var, const double *ram,
                   const xgc_plan_vm_t *vm)
{
    int best = -1, asleep = -1, fallback = -1;
    double best_room = INFINITY, q = vm->spread * vm->spread;
    for (int i = 0; i < n_pms; i++) {
        const xgc_plan_pm_t *pm = &pms[i];
        if (vm->estimate > pm->core || (pm->ram > 0 && ram[i] + vm->ram > pm->ram))
            continue;
        int awake = !pm->asleep || mean[i] > 0;
        double size = mean[i] + vm->mean + params->z * sqrt(var[i] + q);
        double room = params->target * pm->capacity - size;
        if (awake && room >= 0 && room < best_room) {
            best_room = room;
            best = i;
        }
        if (!awake && room >= 0
            && (asleep < 0 || pm->max_w / pm->capacity < pms[asleep].max_w / pms[asleep].capacity))
            asleep = i;
        if (fallback < 0 || mean[i] / pm->capacity < mean[fallback] / pms[fallback].capacity)
            fallback = i;
    }
    return best >= 0 ? best : asleep >= 0 ? asleep : fallback;
}
