/* xgc_policy.c — xgc's own policy in the simulator: the adapter between the
 * simulated data centre and the scheduler's pure policy code
 * (scheduler/policy/demand.c for each VM's effective demand,
 * scheduler/policy/migrate.c for the round's plan; the daemon runs the
 * same demand.c). The adapter only translates: samples in, moves out.
 *
 * Units: MIPS. Each round every VM's observed demand (MIPS, uncapped) is fed
 * to its estimator; a PM is described by its capacity, one core as the
 * largest VM it can serve, and the end points of its SPECpower table as the
 * planner's linear power model; the move cost is the VM's RAM (migration
 * time is proportional to it). Names: "xgc" or "xgc:key=value,..." with
 * keys target, overload, underload, moves, per_pm, cooldown, no_return,
 * gain, z, catch_up, margin, window, quantile, alpha, headroom (docs/sim.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy/demand.h"
#include "scheduler/policy/migrate.h"
#include "scheduler/sim/sim_internal.h"

typedef struct {
    xgc_plan_params_t   plan;
    xgc_demand_params_t demand;
    xgc_demand_t      **est;
    xgc_plan_pm_t      *pms;
    xgc_plan_vm_t      *vms;
    xgc_plan_move_t    *moves;
    double             *mean, *var, *ram;
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
        if (!(xp->est[v] = xgc_demand_new(&xp->demand)))
            return -1;
        xp->vms[v] = (xgc_plan_vm_t){-1, 0, 0, 0, 0, sim->vms[v].ram_mb, -1, -1,
                                     sim->vms[v].ram_mb};
    }
    for (int p = 0; p < sim->n_pms; p++) {
        const sim_pm_t *pm = &sim->pms[p];
        xp->pms[p] = (xgc_plan_pm_t){pm->mips, pm->core_mips, pm->model->watts[0],
                                     pm->model->watts[10], 1,
                                     sim_ram_checked(sim, 1) ? pm->ram_mb : 0};
    }
    return 0;
}

/* Feeds VM v's sample d to its estimator and refreshes its plan view. */
static void s_observe_vm(xp_t *xp, const xgc_sim_t *sim, int v, double d)
{
    xgc_demand_observe(xp->est[v], d);
    xgc_plan_vm_t *pv = &xp->vms[v];
    double cap = sim->vms[v].mips, e = xgc_demand_estimate(xp->est[v], 0);
    double m = xgc_demand_mean(xp->est[v]);
    pv->demand = d;
    pv->estimate = e < cap ? e : cap;
    pv->mean = m < cap ? m : cap;
    pv->spread = xgc_demand_spread(xp->est[v]);
}

/* Feeds this step's samples to the estimators. */
static void s_observe(xp_t *xp, const xgc_sim_t *sim)
{
    for (int v = 0; v < sim->n_vms; v++)
        if (sim->vms[v].pm >= 0)
            s_observe_vm(xp, sim, v, sim_vm_demand_now(sim, v));
}

static int s_place(void *self, xgc_sim_t *sim, int v)
{
    xp_t *xp = self;
    if (!xp->est && s_setup(xp, sim))
        return -1;
    if (v == 0) {   /* first call: place every VM, largest estimate first */
        sim->step = 0;
        for (int u = 0; u < sim->n_vms; u++)
            s_observe_vm(xp, sim, u, sim_vm_demand_now(sim, u));
        int *order = malloc((size_t)sim->n_vms * sizeof *order);
        if (!order)
            return -1;
        for (int u = 0; u < sim->n_vms; u++)
            order[u] = u;
        for (int a = 1; a < sim->n_vms; a++) {   /* insertion sort, stable */
            int u = order[a], b = a;
            while (b > 0 && xp->vms[order[b - 1]].estimate < xp->vms[u].estimate) {
                order[b] = order[b - 1];
                b--;
            }
            order[b] = u;
        }
        for (int a = 0; a < sim->n_vms; a++) {
            int u = order[a];
            const xgc_plan_vm_t *pv = &xp->vms[u];
            int p = xgc_plan_place(&xp->plan, xp->pms, xp->n_pms, xp->mean, xp->var, xp->ram,
                                   pv);
            xp->vms[u].pm = p;
            if (p >= 0) {
                xp->ram[p] += pv->ram;
                xp->mean[p] += pv->mean;
                xp->var[p] += pv->spread * pv->spread;
                xp->pms[p].asleep = 0;
            }
        }
        free(order);
        /* the estimators saw sample 0; the engine records it again: reset */
        for (int u = 0; u < sim->n_vms; u++)
            xgc_demand_reset(xp->est[u]);
    }
    return xp->vms[v].pm;
}

static int s_decide(void *self, xgc_sim_t *sim, sim_move_t *moves, int max)
{
    xp_t *xp = self;
    if (sim->step == 1)   /* sample 0 (reset after the initial placement) */
        for (int v = 0; v < sim->n_vms; v++)
            if (sim->vms[v].pm >= 0)
                s_observe_vm(xp, sim, v, sim->vms[v].mips * xgc_trace_cpu(sim->trace, v, 0) / 100);
    s_observe(xp, sim);
    for (int p = 0; p < sim->n_pms; p++) {
        xp->pms[p].asleep = sim->pms[p].n_vms == 0;
        xp->pms[p].ram = sim_ram_checked(sim, 0) ? sim->pms[p].ram_mb : 0;
    }
    for (int v = 0; v < sim->n_vms; v++)
        xp->vms[v].pm = sim->vms[v].pm;
    int n = xgc_plan_round(&xp->plan, xp->pms, xp->n_pms, xp->vms, xp->n_vms, sim->step,
                           xp->moves, max < xp->n_vms ? max : xp->n_vms);
    for (int i = 0; i < n; i++) {
        const xgc_plan_move_t *m = &xp->moves[i];
        moves[i] = (sim_move_t){m->vm, m->to};
        xp->vms[m->vm].last_move = sim->step;
        xp->vms[m->vm].last_from = m->from;
    }
    return n < 0 ? 0 : n;
}

/* "key=value,..." after "xgc:"; returns 0 or -1 with a message. */
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
        xgc_plan_params_t *p = &xp->plan;
        xgc_demand_params_t *d = &xp->demand;
        if (!strcmp(tok, "target")) p->target = val;
        else if (!strcmp(tok, "overload")) p->overload = val;
        else if (!strcmp(tok, "underload")) p->underload = val;
        else if (!strcmp(tok, "moves")) p->max_moves = (int)val;
        else if (!strcmp(tok, "per_pm")) p->max_moves_per_pm = (int)val;
        else if (!strcmp(tok, "cooldown")) p->cooldown = (int)val;
        else if (!strcmp(tok, "no_return")) p->no_return = (int)val;
        else if (!strcmp(tok, "gain")) p->min_gain_w = val;
        else if (!strcmp(tok, "z")) p->z = val;
        else if (!strcmp(tok, "catch_up")) p->catch_up = (int)val;
        else if (!strcmp(tok, "margin")) p->margin = val;
        else if (!strcmp(tok, "window")) d->window = (int)val;
        else if (!strcmp(tok, "quantile")) d->quantile = val;
        else if (!strcmp(tok, "alpha")) d->alpha = val;
        else if (!strcmp(tok, "headroom")) d->headroom = val;
        else {
            snprintf(err, err_len, "policy xgc: unknown key '%s'", tok);
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
    xgc_plan_params_default(&xp->plan);
    xgc_demand_params_default(&xp->demand);
    const char *why = NULL;
    if ((name[3] == ':' && s_parse(xp, name + 4, err, err_len))
        || xgc_plan_params_check(&xp->plan, &why) || xgc_demand_params_check(&xp->demand, &why)) {
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
