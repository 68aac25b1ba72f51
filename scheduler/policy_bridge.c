/* policy_bridge — see policy_bridge.h. */
#include <stdlib.h>

#include "scheduler/policy_bridge.h"

/* May PM j appear in the planner's view (receive, or shed by migration)? */
static bool s_in_view(const xgc_replan_pm_t *pm)
{
    return pm->state == XGC_REPLAN_PM_UP || pm->state == XGC_REPLAN_PM_OFF;
}

xgc_plan_pm_t xgc_bridge_pm_view(const xgc_replan_pm_t *pm)
{
    const xgc_pm_spec_t *s = &pm->spec;
    return (xgc_plan_pm_t){
        .capacity = s->cpu_mhz,
        .core = s->cores > 0 ? s->cpu_mhz / s->cores : s->cpu_mhz,
        .idle_w = xgc_power_watts(&s->power, 0),
        .max_w = xgc_power_watts(&s->power, 1),
        .asleep = pm->state == XGC_REPLAN_PM_OFF,
        .ram = s->mem_mb,
    };
}

/* migrate.c only compares rounds (cooldown, no-return): the round planned
 * is a fixed large number and a past move is so many whole rounds before it
 * (wall-clock milliseconds would overflow an int as rounds). */
#define XGC_BRIDGE_NOW (1 << 24)

/* The round of a move at ms, as seen at now_ms; -1 if too long ago. */
static int s_round_of(int64_t ms, int64_t now_ms, int64_t round_ms)
{
    int64_t ago = (now_ms - ms) / round_ms;
    if (ago < 0)
        ago = 0;
    return ago >= XGC_BRIDGE_NOW ? -1 : (int)(XGC_BRIDGE_NOW - ago);
}

static double s_min(double a, double b)
{
    return a < b ? a : b;
}

/* VM v in the planner's view, on view PM `pm` (-1: none). */
static xgc_plan_vm_t s_vm(const xgc_replan_vm_t *vm, int pm, const int *to_view,
                          size_t n_pms, int64_t now_ms, int64_t round_ms)
{
    const xgc_replan_load_t *l = &vm->load;
    double cap = l->cap_mhz > 0 ? l->cap_mhz : vm->spec.max_mhz;
    xgc_plan_vm_t p = {.pm = pm, .move_cost = vm->spec.mem_mb, .ram = vm->spec.mem_mb,
                       .pinned = vm->in_flight, .last_move = -1, .last_from = -1};
    if (l->samples > 0) {
        p.estimate = s_min(l->estimate, cap);
        p.mean = s_min(l->mean, cap);
        p.spread = l->spread;
        p.demand = l->last;
    } else {                     /* its guarantee, what the placement core promised */
        p.estimate = p.mean = p.demand = s_min(vm->spec.min_mhz, cap);
    }
    if (vm->last_move_ms > 0) {
        p.last_move = s_round_of(vm->last_move_ms, now_ms, round_ms);
        p.last_from = l->has_from && l->last_from >= 0 && (size_t)l->last_from < n_pms
                          ? to_view[l->last_from] : -1;
    }
    return p;
}

void xgc_bridge_observed(xgc_replan_load_t *load, const xgc_demand_t *demand)
{
    load->samples = (int)xgc_demand_count(demand);
    load->estimate = xgc_demand_estimate(demand, 0);
    load->mean = xgc_demand_mean(demand);
    load->spread = xgc_demand_spread(demand);
    load->last = xgc_demand_last(demand);
}

xgc_plan_vm_t xgc_bridge_vm_view(const xgc_replan_vm_t *vm)
{
    xgc_replan_vm_t fresh = *vm;
    fresh.last_move_ms = 0;
    return s_vm(&fresh, -1, NULL, 0, 0, 1);
}

int xgc_bridge_plan(const xgc_plan_params_t *plan, int64_t round_ms, int64_t now_ms,
                    const xgc_replan_pm_t *pms, size_t n_pms,
                    const xgc_replan_vm_t *vms, size_t n_vms,
                    xgc_plan_move_t *moves, int max_out)
{
    if (!plan || round_ms <= 0 || max_out < 0 || (n_pms && !pms) || (n_vms && !vms))
        return -1;
    int *pm_of = malloc((n_pms + 1) * sizeof *pm_of);     /* view → caller */
    int *to_view = malloc((n_pms + 1) * sizeof *to_view); /* caller → view, -1 */
    int *vm_of = malloc((n_vms + 1) * sizeof *vm_of);
    xgc_plan_pm_t *vp = malloc((n_pms + 1) * sizeof *vp);
    xgc_plan_vm_t *vv = malloc((n_vms + 1) * sizeof *vv);
    int np = 0, nv = 0, n = -1;
    if (!pm_of || !to_view || !vm_of || !vp || !vv)
        goto done;
    for (size_t j = 0; j < n_pms; j++) {
        to_view[j] = -1;
        if (!s_in_view(&pms[j]))
            continue;
        to_view[j] = np;
        pm_of[np] = (int)j;
        vp[np] = xgc_bridge_pm_view(&pms[j]);
        vp[np++].asleep = 1;     /* until a VM is found on it: an empty PM on
                                    hold is as good as off (as in the sim) */
    }
    for (size_t v = 0; v < n_vms; v++) {
        int j = vms[v].host;
        if (j >= (int)n_pms || (j >= 0 && to_view[j] < 0))
            continue;            /* on a PM out of view: neither load nor mover */
        vm_of[nv] = (int)v;
        vv[nv++] = s_vm(&vms[v], j >= 0 ? to_view[j] : -1, to_view, n_pms, now_ms,
                          round_ms);
        if (j >= 0)
            vp[to_view[j]].asleep = 0;
    }
    n = xgc_plan_round(plan, vp, np, vv, nv, XGC_BRIDGE_NOW, moves, max_out);
    for (int i = 0; i < n; i++) {
        moves[i].vm = vm_of[moves[i].vm];
        moves[i].from = pm_of[moves[i].from];
        moves[i].to = pm_of[moves[i].to];
    }
done:
    free(pm_of);
    free(to_view);
    free(vm_of);
    free(vp);
    free(vv);
    return n;
}
