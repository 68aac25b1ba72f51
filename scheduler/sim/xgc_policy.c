/* xgc_policy.c — xgc's own policy in the simulator: the simulated data
 * centre described the way the daemon describes its cluster (replan.h's
 * PMs and VMs, with each VM's observed demand from
 * scheduler/policy/demand.c), and each round's migrations decided by
 * xgc_bridge_plan — the very function the daemon's replan calls with
 * `scheduler: {policy: consolidate}` — which runs
 * scheduler/policy/migrate.c. The sim keeps its own time and migration
 * model; this file only translates: samples in, moves out.
 *
 * Units: MIPS for MHz. Each round every VM's observed demand (MIPS,
 * uncapped) is fed to its estimator; a PM is its capacity and cores (one
 * core is the largest VM it can serve), its SPECpower table (the planner
 * uses its end points as a linear model) and its RAM when RAM is checked;
 * a PM without VMs is off (asleep). One round = one trace interval = 1 s of
 * the bridge's clock. Names: "xgc" or "xgc:key=value,..." with the keys of
 * scheduler/policy/params.h (target, overload, underload, moves, per_pm,
 * cooldown, no_return, gain, z, catch_up, margin, window, quantile, alpha,
 * headroom, warmup; docs/sim.md) — the names the deployment file uses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy/demand.h"
#include "scheduler/policy/params.h"
#include "scheduler/policy_bridge.h"
#include "scheduler/sim/sim_internal.h"

#define XP_ROUND_MS 1000

typedef struct {
    xgc_policy_params_t params;  /* planner and estimator (policy/params.h) */
    xgc_demand_t      **est;
    xgc_replan_pm_t    *pms;     /* the cluster as the daemon describes it */
    xgc_replan_vm_t    *vms;
    xgc_plan_move_t    *moves;
    double             *mean, *var, *ram;   /* initial placement's sums */
    int                 n_pms, n_vms;
} xp_t;

static void s_destroy(void *self)
{
    xp_t *xp = self;
    if (!xp)
        return;
    for (int v = 0; xp->est && v < xp->n_vms; v++)
        xgc_demand_destroy(&xp->est[v]);
    free(xp->est);
    free(xp->pms);
    free(xp->vms);
    free(xp->moves);
    free(xp->mean);
    free(xp->var);
    free(xp->ram);
    free(xp);
}

/* PM p's memory as the planner sees it (0: not a constraint). */
static void s_pm_ram(xp_t *xp, const xgc_sim_t *sim, int p, int initial)
{
    xp->pms[p].spec.mem_mb = sim_ram_checked(sim, initial) ? sim->pms[p].ram_mb : 0;
}

static int s_setup(xp_t *xp, const xgc_sim_t *sim)
{
    xp->n_pms = sim->n_pms;
    xp->n_vms = sim->n_vms;
    xp->est = calloc((size_t)sim->n_vms, sizeof *xp->est);
    xp->pms = calloc((size_t)sim->n_pms, sizeof *xp->pms);
    xp->vms = calloc((size_t)sim->n_vms, sizeof *xp->vms);
    xp->moves = calloc((size_t)sim->n_vms, sizeof *xp->moves);
    xp->mean = calloc((size_t)sim->n_pms, sizeof *xp->mean);
    xp->var = calloc((size_t)sim->n_pms, sizeof *xp->var);
    xp->ram = calloc((size_t)sim->n_pms, sizeof *xp->ram);
    if (!xp->est || !xp->pms || !xp->vms || !xp->moves || !xp->mean || !xp->var || !xp->ram)
        return -1;
    for (int v = 0; v < sim->n_vms; v++) {
        if (!(xp->est[v] = xgc_demand_new(&xp->params.demand)))
            return -1;
        xgc_replan_vm_t *rv = &xp->vms[v];
        rv->host = -1;
        rv->spec.max_mhz = rv->load.cap_mhz = sim->vms[v].mips;
        rv->spec.mem_mb = sim->vms[v].ram_mb;
    }
    for (int p = 0; p < sim->n_pms; p++) {
        const sim_pm_t *pm = &sim->pms[p];
        xgc_pm_spec_t *spec = &xp->pms[p].spec;
        spec->cpu_mhz = pm->mips;
        spec->cores = (int)lround(pm->mips / pm->core_mips);
        spec->power.table_n = XGC_POWER_POINTS;
        memcpy(spec->power.table_w, pm->model->watts, sizeof spec->power.table_w);
        xp->pms[p].state = XGC_REPLAN_PM_OFF;
        s_pm_ram(xp, sim, p, 1);
    }
    return 0;
}

/* Feeds VM v's sample d to its estimator and refreshes its load. */
static void s_observe_vm(xp_t *xp, int v, double d)
{
    xgc_demand_observe(xp->est[v], d);
    xgc_bridge_observed(&xp->vms[v].load, xp->est[v]);
}

/* Feeds this step's samples to the estimators. */
static void s_observe(xp_t *xp, const xgc_sim_t *sim)
{
    for (int v = 0; v < sim->n_vms; v++)
        if (sim->vms[v].pm >= 0)
            s_observe_vm(xp, v, sim_vm_demand_now(sim, v));
}

/* The initial placement: every VM, largest estimate first, by
 * xgc_plan_place on the bridge's views. */
static int s_place_all(xp_t *xp, xgc_sim_t *sim)
{
    xgc_plan_pm_t *pms = malloc((size_t)(sim->n_pms ? sim->n_pms : 1) * sizeof *pms);
    xgc_plan_vm_t *vms = malloc((size_t)(sim->n_vms ? sim->n_vms : 1) * sizeof *vms);
    int *order = malloc((size_t)(sim->n_vms ? sim->n_vms : 1) * sizeof *order);
    if (!pms || !vms || !order) {
        free(pms);
        free(vms);
        free(order);
        return -1;
    }
    for (int p = 0; p < sim->n_pms; p++)
        pms[p] = xgc_bridge_pm_view(&xp->pms[p]);
    for (int u = 0; u < sim->n_vms; u++) {
        s_observe_vm(xp, u, sim_vm_demand_now(sim, u));
        vms[u] = xgc_bridge_vm_view(&xp->vms[u]);
        order[u] = u;
    }
    for (int a = 1; a < sim->n_vms; a++) {   /* insertion sort, stable */
        int u = order[a], b = a;
        while (b > 0 && vms[order[b - 1]].estimate < vms[u].estimate) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = u;
    }
    for (int a = 0; a < sim->n_vms; a++) {
        int u = order[a];
        const xgc_plan_vm_t *pv = &vms[u];
        int p = xgc_plan_place(&xp->params.plan, pms, xp->n_pms, xp->mean, xp->var, xp->ram, pv);
        xp->vms[u].host = p;
        if (p >= 0) {
            xp->ram[p] += pv->ram;
            xp->mean[p] += pv->mean;
            xp->var[p] += pv->spread * pv->spread;
            pms[p].asleep = 0;
        }
    }
    free(pms);
    free(vms);
    free(order);
    /* the estimators saw sample 0; the engine records it again: reset */
    for (int u = 0; u < sim->n_vms; u++)
        xgc_demand_reset(xp->est[u]);
    return 0;
}

static int s_place(void *self, xgc_sim_t *sim, int v)
{
    xp_t *xp = self;
    if (!xp->est && s_setup(xp, sim))
        return -1;
    if (v == 0) {   /* first call: place every VM */
        sim->step = 0;
        if (s_place_all(xp, sim))
            return -1;
    }
    return xp->vms[v].host;
}

static int s_decide(void *self, xgc_sim_t *sim, sim_move_t *moves, int max)
{
    xp_t *xp = self;
    if (sim->step == 1)   /* sample 0 (reset after the initial placement) */
        for (int v = 0; v < sim->n_vms; v++)
            if (sim->vms[v].pm >= 0)
                s_observe_vm(xp, v, sim->vms[v].mips * xgc_trace_cpu(sim->trace, v, 0) / 100);
    s_observe(xp, sim);
    for (int p = 0; p < sim->n_pms; p++) {
        xp->pms[p].state = sim->pms[p].n_vms == 0 ? XGC_REPLAN_PM_OFF : XGC_REPLAN_PM_UP;
        s_pm_ram(xp, sim, p, 0);
    }
    for (int v = 0; v < sim->n_vms; v++)
        xp->vms[v].host = sim->vms[v].pm;
    int64_t now_ms = (int64_t)sim->step * XP_ROUND_MS;
    int n = xgc_bridge_plan(&xp->params.plan, XP_ROUND_MS, now_ms, xp->pms, (size_t)xp->n_pms,
                            xp->vms, (size_t)xp->n_vms, xp->moves,
                            max < xp->n_vms ? max : xp->n_vms);
    for (int i = 0; i < n; i++) {
        const xgc_plan_move_t *m = &xp->moves[i];
        moves[i] = (sim_move_t){m->vm, m->to};
        xp->vms[m->vm].last_move_ms = now_ms;
        xp->vms[m->vm].load.has_from = true;
        xp->vms[m->vm].load.last_from = m->from;
    }
    return n < 0 ? 0 : n;
}

/* "key=value,..." after "xgc:", keys from policy/params.h's table;
 * returns 0 or -1 with a message. */
static int s_parse(xp_t *xp, const char *spec, char *err, size_t err_len)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        char *end = NULL;
        double val = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || end == eq + 1 || *end) {
            snprintf(err, err_len, "policy xgc: '%s' is not key=number", tok);
            return -1;
        }
        *eq = '\0';
        const xgc_policy_key_t *key = xgc_policy_key_find(tok);
        const char *why = NULL;
        if (!key) {
            snprintf(err, err_len, "policy xgc: unknown key '%s'", tok);
            return -1;
        }
        if (xgc_policy_key_set(&xp->params, key, val, &why) < 0) {
            snprintf(err, err_len, "policy xgc: %s %s", tok, why);
            return -1;
        }
    }
    return 0;
}

int sim_xgc_policy_new(const char *name, sim_policy_t *policy, char *err, size_t err_len)
{
    if (strcmp(name, "xgc") && strncmp(name, "xgc:", 4)) {
        snprintf(err, err_len, "unknown policy '%s' (%s)", name, xgc_sim_policy_help());
        return -1;
    }
    xp_t *xp = calloc(1, sizeof *xp);
    if (!xp) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    xgc_policy_params_default(&xp->params);
    const xgc_policy_key_t *bad;
    const char *why = NULL;
    if ((name[3] == ':' && s_parse(xp, name + 4, err, err_len))
        || xgc_policy_params_check(&xp->params, XGC_POLICY_PLAN, &bad, &why)
        || xgc_policy_params_check(&xp->params, XGC_POLICY_DEMAND, &bad, &why)) {
        if (why)
            snprintf(err, err_len, "policy '%s': %s", name, why);
        free(xp);
        return -1;
    }
    policy->self = xp;
    policy->place = s_place;
    policy->decide = s_decide;
    policy->destroy = s_destroy;
    return 0;
}
