/* sim.c — the virtual-time engine of xgc sim.
 *
 * Each step k (t = k * interval): the round's bookkeeping (CloudSim-2011:
 * VMs at 0 % removed; every VM's utilisation history updated), the policy's
 * decisions, migrations started; then the interval [t, t + interval] is
 * integrated in segments cut at the migrations' ends (there are few: all
 * migrations start at t and their length depends on RAM only). Within a
 * segment each PM is evaluated at both ends with the same placement:
 * energy is the trapezoid of the SPECpower curve (as CloudSim integrates
 * it); SLA state (violation = CPU allocated < CPU requested) and PDM are
 * held from the segment's start. No clock, no I/O: the caller observes.
 *
 * CloudSim-2011 mode follows CloudSim's timeline: its first update is one
 * interval after the start (the VMs' creation is acknowledged 0.1 s late,
 * the cloudlets are submitted then and the first periodic update comes
 * 300 s later) and its last is at the last sample (the next would be past
 * 24 h): no history, removal or metric at step 0, and the last interval
 * counts only up to the end of its round's migrations.
 *
 * CloudSim-2011 mode accepts a second move of a VM in the same round, as
 * CloudSim runs every entry of its migration map: the VM ends on the second
 * destination, both copies count, and the first destination keeps
 * receiving (and booking) the VM until the copy ends (dest2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sim/sim_internal.h"
#include "xgc_stats.h"

#define S_EPS 1e-9

void xgc_sim_config_default(xgc_sim_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->policy = "xgc";
    cfg->n_pms = 800;
    cfg->bandwidth_mbps = 1000;
    cfg->migration_loss = 0.1;
}

const char *xgc_sim_policy_help(void)
{
    return "xgc (default) | npa | dvfs | thr-mmt-<threshold 0..1> | lr-mmt-<safety >0>\n"
           "                    | plugin:PATH[:ARG] (your own policy, docs/sim.md)";
}

static int s_policy_new(const char *name, sim_policy_t *policy, char *err, size_t err_len)
{
    memset(policy, 0, sizeof *policy);
    if (!name || !strncmp(name, "xgc", 3))
        return sim_xgc_policy_new(name ? name : "xgc", policy, err, err_len);
    if (!strncmp(name, "plugin:", 7))
        return sim_plugin_new(name + 7, policy, err, err_len);
    return sim_baseline_new(name, policy, err, err_len);
}

int xgc_sim_policy_check(const char *name, char *err, size_t err_len)
{
    sim_policy_t p;
    if (s_policy_new(name, &p, err, err_len))
        return -1;
    if (p.destroy)
        p.destroy(p.self);
    return 0;
}

double sim_vm_demand_now(const xgc_sim_t *sim, int v)
{
    return sim->vms[v].mips * xgc_trace_cpu(sim->trace, v, sim->step) / 100.0;
}

int sim_ram_checked(const xgc_sim_t *sim, int creating)
{
    return sim->cfg.ram_limit || (creating && sim->cfg.cloudsim_2011);
}

double sim_migration_time(const xgc_sim_t *sim, int ram_mb)
{
    return ram_mb * 8.0 / (sim->cfg.bandwidth_mbps / 2);
}

/* ---- placement bookkeeping ---------------------------------------------- */

static int s_pm_attach(sim_pm_t *pm, int v, int ram_mb)
{
    if (pm->n_vms == pm->cap_vms) {
        int cap = pm->cap_vms ? pm->cap_vms * 2 : 8;
        int *grown = realloc(pm->vms, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        pm->vms = grown;
        pm->cap_vms = cap;
    }
    pm->vms[pm->n_vms++] = v;
    pm->ram_used += ram_mb;
    return 0;
}

static void s_pm_detach(sim_pm_t *pm, int v, int ram_mb)
{
    for (int i = 0; i < pm->n_vms; i++)
        if (pm->vms[i] == v) {
            memmove(pm->vms + i, pm->vms + i + 1, (size_t)(pm->n_vms - i - 1) * sizeof *pm->vms);
            pm->n_vms--;
            pm->ram_used -= ram_mb;
            return;
        }
}

/* ---- evaluation of one PM at one instant -------------------------------- */

/* CPU of VM v at fraction frac of the current interval: linear between
 * this sample and the next (the last sample is held). */
static double s_demand_at(const xgc_sim_t *sim, int v, double frac)
{
    const xgc_trace_t *t = sim->trace;
    int k = sim->step, k1 = k + 1 < t->n_steps ? k + 1 : k;
    double a = xgc_trace_cpu(t, v, k), b = xgc_trace_cpu(t, v, k1);
    return sim->vms[v].mips * (a + (b - a) * frac) / 100.0;
}

typedef struct {
    double util;      /* allocated / capacity, at most 1 */
    double alloc, req;
    int    active;
} s_pm_state_t;

/* Whether VM vm is being copied to PM p (a destination, or CloudSim-2011's
 * superseded one). */
static int s_incoming(const sim_vm_t *vm, int p)
{
    return vm->dest == p || vm->dest2 == p;
}

/* Shares the PM's CPU among its VMs at frac (time-shared with
 * over-subscription, as CloudSim): each VM asks for at most one core; a
 * VM migrating in asks for 10 % of it; when the asks exceed the PM,
 * everyone is scaled down. A migrating VM gets 90 % at its source. Sets
 * each resident VM's demand and alloc (at the source for a migrating VM). */
static s_pm_state_t s_eval_pm(xgc_sim_t *sim, int p, double frac)
{
    sim_pm_t *pm = &sim->pms[p];
    int cloudsim = sim->cfg.cloudsim_2011;
    double loss = sim->cfg.migration_loss;
    double asks = 0;
    for (int i = 0; i < pm->n_vms; i++) {
        sim_vm_t *vm = &sim->vms[pm->vms[i]];
        double d = s_demand_at(sim, pm->vms[i], frac);
        double c = d < pm->core_mips ? d : pm->core_mips;
        asks += s_incoming(vm, p) ? loss * c : c;
    }
    double scale = asks > pm->mips ? pm->mips / asks : 1;
    s_pm_state_t st = {0, 0, 0, pm->n_vms > 0};
    for (int i = 0; i < pm->n_vms; i++) {
        sim_vm_t *vm = &sim->vms[pm->vms[i]];
        double d = s_demand_at(sim, pm->vms[i], frac);
        double c = (d < pm->core_mips ? d : pm->core_mips) * scale;
        if (s_incoming(vm, p)) {
            /* Incoming: the copy costs the destination 10 % of the VM's CPU.
             * CloudSim-2011 books the VM's full demand as requested there
             * while allocating 10 % (and scales it by 1/0.9). */
            st.alloc += cloudsim ? loss * c / (1 - loss) : loss * c;
            st.req += cloudsim ? d : loss * c;
            continue;
        }
        vm->demand = d;
        vm->alloc = vm->dest >= 0 ? (1 - loss) * c : c;
        st.alloc += c;   /* the source's CPU stays busy during the copy */
        st.req += d;
    }
    st.util = st.alloc / pm->mips;
    if (st.util > 1)
        st.util = 1;
    if (cloudsim)
        st.active = st.alloc > 0;
    return st;
}

/* ---- one interval ------------------------------------------------------- */

typedef struct {
    xgc_sim_t *sim;
    sim_policy_t *policy;
    xgc_sim_result_t *res;
    double energy_j;
    int account;            /* 0: outside CloudSim-2011's updates, nothing counts */
} s_run_t;

static double s_pm_energy(const s_run_t *run, const sim_pm_t *pm, double from, double to,
                          int active, double dt)
{
    if (run->policy->npa)
        return pm->model->watts[10] * dt;
    /* CloudSim integrates from the previous update's utilisation. */
    if (run->sim->cfg.cloudsim_2011 ? from <= 0 : !active)
        return 0;
    return (xgc_power_at(pm->model, from) + xgc_power_at(pm->model, to)) / 2 * dt;
}

/* Integrates [a, b] (fractions of the interval) with today's placement. */
static void s_segment(s_run_t *run, double a, double b, int *overloaded)
{
    xgc_sim_t *sim = run->sim;
    double dt = (b - a) * sim->trace->interval_s * (run->account ? 1 : 0);
    for (int p = 0; p < sim->n_pms; p++) {
        sim_pm_t *pm = &sim->pms[p];
        if (!pm->n_vms && !run->policy->npa)
            continue;
        s_pm_state_t at_a = s_eval_pm(sim, p, a);
        int active = at_a.active || run->policy->npa;
        if (active) {
            pm->awake = 1;
            pm->active_s += dt;
            if (at_a.alloc < at_a.req * (1 - S_EPS) - 1e-6) {
                pm->violation_s += dt;
                overloaded[p] = 1;
            }
        }
        for (int i = 0; i < pm->n_vms; i++) {
            sim_vm_t *vm = &sim->vms[pm->vms[i]];
            if (s_incoming(vm, p))
                continue;
            vm->requested_s += vm->demand * dt;
            if (vm->dest >= 0 && vm->alloc < vm->demand)
                vm->lost_s += (vm->demand - vm->alloc) * dt;
        }
        s_pm_state_t at_b = s_eval_pm(sim, p, b);
        run->energy_j += s_pm_energy(run, pm, at_a.util, at_b.util, at_a.active, dt);
    }
}

/* Ends the migrations due at time `end` (absolute). */
static void s_finish_migrations(xgc_sim_t *sim, double end)
{
    for (int v = 0; v < sim->n_vms; v++) {
        sim_vm_t *vm = &sim->vms[v];
        if (vm->dest < 0 || fabs(vm->mig_end - end) > 1e-9)
            continue;
        s_pm_detach(&sim->pms[vm->pm], v, vm->ram_mb);
        if (vm->dest2 >= 0)
            s_pm_detach(&sim->pms[vm->dest2], v, vm->ram_mb);
        vm->pm = vm->dest;
        vm->dest = vm->dest2 = -1;
    }
}

/* Integrates the current interval, cutting it at the migrations' ends. */
static void s_integrate(s_run_t *run, int *overloaded, double *cuts)
{
    xgc_sim_t *sim = run->sim;
    double t0 = sim->step * sim->trace->interval_s, len = sim->trace->interval_s;
    int n = 0;
    for (int v = 0; v < sim->n_vms; v++)
        if (sim->vms[v].dest >= 0)
            cuts[n++] = sim->vms[v].mig_end;
    xgc_stats_sort(cuts, (size_t)n);
    double a = 0;
    for (int i = 0; i < n; i++) {
        if (i && cuts[i] == cuts[i - 1])
            continue;
        double b = (cuts[i] - t0) / len;
        if (b > 1)
            b = 1;
        s_segment(run, a, b, overloaded);
        s_finish_migrations(sim, cuts[i]);
        a = b;
    }
    if (a < 1) {
        if (sim->cfg.cloudsim_2011 && sim->step == sim->trace->n_steps - 1)
            run->account = 0;   /* CloudSim's last update was the last copy's end */
        s_segment(run, a, 1, overloaded);
    }
}

/* ---- the round ---------------------------------------------------------- */

static void s_remove_idle_vms(s_run_t *run)
{
    xgc_sim_t *sim = run->sim;
    for (int v = 0; v < sim->n_vms; v++) {
        sim_vm_t *vm = &sim->vms[v];
        if (vm->pm < 0 || vm->dest >= 0 || xgc_trace_cpu(sim->trace, v, sim->step) > 0)
            continue;
        s_pm_detach(&sim->pms[vm->pm], v, vm->ram_mb);
        vm->pm = -1;
        vm->removed = 1;
        run->res->vms_removed++;
    }
}

static void s_record_history(xgc_sim_t *sim)
{
    for (int v = 0; v < sim->n_vms; v++) {
        sim_vm_t *vm = &sim->vms[v];
        if (vm->pm < 0)
            continue;
        float u = (float)(xgc_trace_cpu(sim->trace, v, sim->step) / 100.0);
        if (vm->hist_n == SIM_HISTORY)
            memmove(vm->hist, vm->hist + 1, (SIM_HISTORY - 1) * sizeof vm->hist[0]);
        else
            vm->hist_n++;
        vm->hist[vm->hist_n - 1] = u;
    }
}

/* A second move of VM vm this round: CloudSim runs both entries of its map
 * (CloudSim-2011 mode only, once per VM). */
static int s_supersedes(const xgc_sim_t *sim, const sim_vm_t *vm, int d)
{
    return sim->cfg.cloudsim_2011 && vm->dest >= 0 && vm->dest2 < 0 && d != vm->dest;
}

static void s_start_moves(s_run_t *run, const sim_move_t *moves, int n,
                          const xgc_sim_observer_t *obs)
{
    xgc_sim_t *sim = run->sim;
    double t = sim->step * sim->trace->interval_s;
    for (int i = 0; i < n; i++) {
        int v = moves[i].vm, d = moves[i].dest;
        sim_vm_t *vm = v >= 0 && v < sim->n_vms ? &sim->vms[v] : NULL;
        if (!vm || vm->pm < 0 || (vm->dest >= 0 && !s_supersedes(sim, vm, d)) || d < 0
            || d >= sim->n_pms || d == vm->pm
            || (sim->cfg.ram_limit && sim->pms[d].ram_used + vm->ram_mb > sim->pms[d].ram_mb)
            || s_pm_attach(&sim->pms[d], v, vm->ram_mb)) {
            run->res->migrations_rejected++;
            continue;
        }
        vm->dest2 = vm->dest;   /* -1 unless superseded */
        vm->dest = d;
        vm->mig_end = t + sim_migration_time(sim, vm->ram_mb);
        run->res->migrations++;
        run->res->migrations_at[sim->step]++;
        if (obs && obs->on_migration)
            obs->on_migration(obs->arg, v, vm->pm, d, t, vm->mig_end);
    }
}

static void s_snapshot(xgc_sim_t *sim)
{
    for (int p = 0; p < sim->n_pms; p++) {
        s_pm_state_t st = s_eval_pm(sim, p, 0);
        sim->pms[p].now_alloc_mips = st.alloc;
        sim->pms[p].now_req_mips = st.req;
    }
}

static void s_initial_placement(s_run_t *run)
{
    xgc_sim_t *sim = run->sim;
    for (int v = 0; v < sim->n_vms; v++) {
        int p = run->policy->place(run->policy->self, sim, v);
        if (p < 0 || p >= sim->n_pms
            || (sim_ram_checked(sim, 1) && sim->pms[p].ram_used + sim->vms[v].ram_mb > sim->pms[p].ram_mb)
            || s_pm_attach(&sim->pms[p], v, sim->vms[v].ram_mb)) {
            run->res->vms_unplaced++;
            continue;
        }
        sim->vms[v].pm = p;
    }
}

/* ---- results ------------------------------------------------------------ */

static void s_finish_metrics(xgc_sim_t *sim, xgc_sim_result_t *r, double energy_j)
{
    double active = 0, violation = 0, req = 0, lost = 0, pm_ratio = 0, vm_ratio = 0;
    int pm_n = 0, vm_n = 0;
    for (int p = 0; p < sim->n_pms; p++) {
        active += sim->pms[p].active_s;
        violation += sim->pms[p].violation_s;
        if (sim->pms[p].active_s > 0) {
            pm_ratio += sim->pms[p].violation_s / sim->pms[p].active_s;
            pm_n++;
        }
    }
    for (int v = 0; v < sim->n_vms; v++) {
        req += sim->vms[v].requested_s;
        lost += sim->vms[v].lost_s;
        if (sim->vms[v].requested_s > 0) {
            vm_ratio += sim->vms[v].lost_s / sim->vms[v].requested_s;
            vm_n++;
        }
    }
    r->energy_kwh = energy_j / 3.6e6;
    r->slatah = active > 0 ? violation / active : 0;
    r->pdm = req > 0 ? lost / req : 0;
    r->slav = r->slatah * r->pdm;
    r->esv = r->energy_kwh * r->slav;
    r->slatah_mean = pm_n ? pm_ratio / pm_n : 0;
    r->pdm_mean = vm_n ? vm_ratio / vm_n : 0;
    r->slav_mean = r->slatah_mean * r->pdm_mean;
    r->esv_mean = r->energy_kwh * r->slav_mean;
    r->active_pm_hours = active / 3600;
    r->requested_mips_hours = req / 3600;
}

static int s_alloc_result(xgc_sim_result_t *r, int steps)
{
    memset(r, 0, sizeof *r);
    r->active = calloc((size_t)steps, sizeof *r->active);
    r->overloaded = calloc((size_t)steps, sizeof *r->overloaded);
    r->migrations_at = calloc((size_t)steps, sizeof *r->migrations_at);
    r->power_w = calloc((size_t)steps, sizeof *r->power_w);
    return r->active && r->overloaded && r->migrations_at && r->power_w ? 0 : -1;
}

void xgc_sim_result_free(xgc_sim_result_t *r)
{
    if (!r)
        return;
    free(r->active);
    free(r->overloaded);
    free(r->migrations_at);
    free(r->power_w);
    memset(r, 0, sizeof *r);
}

static xgc_sim_t *s_sim_new(const xgc_trace_t *trace, const xgc_sim_config_t *cfg)
{
    xgc_sim_t *sim = calloc(1, sizeof *sim);
    if (!sim)
        return NULL;
    sim->trace = trace;
    sim->cfg = *cfg;
    sim->n_pms = cfg->n_pms;
    sim->n_vms = trace->n_vms;
    sim->pms = calloc((size_t)cfg->n_pms, sizeof *sim->pms);
    sim->vms = calloc((size_t)trace->n_vms, sizeof *sim->vms);
    if (!sim->pms || !sim->vms) {
        free(sim->pms);
        free(sim->vms);
        free(sim);
        return NULL;
    }
    for (int p = 0; p < sim->n_pms; p++) {
        sim_pm_t *pm = &sim->pms[p];
        pm->model = p % 2 ? &xgc_power_g5 : &xgc_power_g4;
        pm->core_mips = pm->model->core_mips;
        pm->mips = pm->model->cores * pm->model->core_mips;
        pm->ram_mb = pm->model->ram_mb;
    }
    for (int v = 0; v < sim->n_vms; v++) {
        sim->vms[v].mips = trace->vms[v].mips;
        sim->vms[v].ram_mb = trace->vms[v].ram_mb;
        sim->vms[v].pm = -1;
        sim->vms[v].dest = -1;
        sim->vms[v].dest2 = -1;
    }
    return sim;
}

static void s_sim_destroy(xgc_sim_t *sim)
{
    for (int p = 0; p < sim->n_pms; p++)
        free(sim->pms[p].vms);
    free(sim->pms);
    free(sim->vms);
    free(sim);
}

/* Counts PMs awake in this interval and sleep/wake transitions. */
static void s_close_interval(s_run_t *run, const int *overloaded, double energy_before)
{
    xgc_sim_t *sim = run->sim;
    xgc_sim_result_t *r = run->res;
    int k = sim->step;
    for (int p = 0; p < sim->n_pms; p++) {
        sim_pm_t *pm = &sim->pms[p];
        r->active[k] += pm->awake;
        r->overloaded[k] += overloaded[p];
        if (k > 0 && pm->awake != pm->was_awake)
            *(pm->awake ? &r->wakes : &r->sleeps) += 1;
        pm->was_awake = pm->awake;
        pm->awake = 0;
    }
    r->power_w[k] = (run->energy_j - energy_before) / sim->trace->interval_s;
}

int xgc_sim_run(const xgc_trace_t *trace, const xgc_sim_config_t *cfg,
                const xgc_sim_observer_t *obs, xgc_sim_result_t *res, char *err,
                size_t err_len)
{
    sim_policy_t policy;
    if (s_policy_new(cfg->policy, &policy, err, err_len))
        return -1;
    return sim_run_policy(trace, cfg, policy, obs, res, err, err_len);
}

int sim_run_policy(const xgc_trace_t *trace, const xgc_sim_config_t *cfg_in,
                   sim_policy_t policy, const xgc_sim_observer_t *obs,
                   xgc_sim_result_t *res, char *err, size_t err_len)
{
    xgc_sim_config_t cfg = *cfg_in;
    if (cfg.n_pms <= 0 || !(cfg.bandwidth_mbps > 0) || !(cfg.migration_loss >= 0)
        || cfg.migration_loss >= 1 || !trace || trace->n_vms <= 0 || trace->n_steps <= 0) {
        snprintf(err, err_len, "bad simulation set-up (PMs, bandwidth, loss or empty trace)");
        if (policy.destroy)
            policy.destroy(policy.self);
        return -1;
    }
    xgc_sim_t *sim = s_sim_new(trace, &cfg);
    int *overloaded = calloc((size_t)cfg.n_pms, sizeof *overloaded);
    double *cuts = calloc((size_t)trace->n_vms + 1, sizeof *cuts);
    int *vm_pm = calloc((size_t)trace->n_vms, sizeof *vm_pm);
    sim_move_t *moves = calloc((size_t)trace->n_vms, sizeof *moves);
    int rc = -1;
    if (!sim || !overloaded || !cuts || !vm_pm || !moves || s_alloc_result(res, trace->n_steps)) {
        snprintf(err, err_len, "out of memory");
        xgc_sim_result_free(res);
        goto done;
    }
    s_run_t run = {sim, &policy, res, 0, 1};
    res->n_vms = sim->n_vms;
    res->n_pms = sim->n_pms;
    res->n_steps = trace->n_steps;
    s_initial_placement(&run);
    int removal = cfg.cloudsim_2011 && !cfg.full_workload;
    for (int k = 0; k < trace->n_steps && !sim->failed; k++) {
        sim->step = k;
        run.account = !cfg.cloudsim_2011 || k > 0;   /* CloudSim's first update: step 1 */
        if (removal && k > 0)
            s_remove_idle_vms(&run);
        if (run.account)
            s_record_history(sim);
        if (k > 0) {
            s_snapshot(sim);
            int n = policy.decide(policy.self, sim, moves, sim->n_vms);
            s_start_moves(&run, moves, n, obs);
        }
        if (obs && obs->on_interval) {
            for (int v = 0; v < sim->n_vms; v++)
                vm_pm[v] = sim->vms[v].pm;
            obs->on_interval(obs->arg, k, k * trace->interval_s, vm_pm, sim->n_vms);
        }
        double before = run.energy_j;
        memset(overloaded, 0, (size_t)cfg.n_pms * sizeof *overloaded);
        s_integrate(&run, overloaded, cuts);
        s_close_interval(&run, overloaded, before);
    }
    if (sim->failed) {
        snprintf(err, err_len, "%s", sim->failed);
        xgc_sim_result_free(res);
        rc = -2;
        goto done;
    }
    s_finish_metrics(sim, res, run.energy_j);
    rc = 0;
done:
    if (policy.destroy)
        policy.destroy(policy.self);
    if (sim)
        s_sim_destroy(sim);
    free(overloaded);
    free(cuts);
    free(vm_pm);
    free(moves);
    return rc;
}
