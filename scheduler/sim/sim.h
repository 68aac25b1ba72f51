/* sim.h — xgc sim: replays CPU traces through a simulated data centre in
 * virtual time (no clock, no I/O) and measures energy and SLA violations.
 *
 * The data centre is BENCHMARKS.md §2's: n_pms PMs alternating HP ML110 G4
 * and G5 (2 cores, 4 GB, 1 Gbit/s), single-core VMs capped at one core of
 * their PM, a control round every trace interval (300 s). Samples are CPU
 * at an instant; between two samples demand is linear (as in CloudSim).
 * A migration takes RAM / (half the bandwidth) and costs the VM 10 % of its
 * CPU meanwhile; it holds RAM on both PMs. A PM without VMs sleeps at 0 W.
 *
 * The policy is chosen by name (see xgc_sim_policy_help()): "xgc" (default,
 * scheduler/policy/), "npa", "dvfs", "thr-mmt-<t>", "lr-mmt-<s>", or a
 * researcher's own, "plugin:PATH[:ARG]" (xgc_sim_plugin.h).
 * cloudsim_2011 switches on CloudSim's behaviours of 2011 (docs/sim.md) so
 * that the baselines can be checked against the published figures;
 * full_workload keeps those behaviours except the removal of VMs at 0 %.
 */
#ifndef XGC_SIM_H
#define XGC_SIM_H

#include <stddef.h>

#include "scheduler/sim/trace.h"

typedef struct {
    const char *policy;        /* NULL = "xgc" */
    int    n_pms;              /* 800 */
    int    cloudsim_2011;      /* CloudSim-2011 compatibility */
    int    full_workload;      /* with cloudsim_2011: do not remove VMs at 0 % */
    double bandwidth_mbps;     /* 1000; half of it carries migrations */
    double migration_loss;     /* 0.1: share of CPU a migrating VM loses */
    int    ram_limit;          /* enforce PM RAM (4 GB); off: RAM sizes only set
                                  migration times, as CloudSim's PlanetLab set-up */
} xgc_sim_config_t;

typedef struct {
    /* ratios of sums (CloudSim's definitions) */
    double energy_kwh, slatah, pdm, slav, esv;
    /* the paper's means of per-PM / per-VM ratios */
    double slatah_mean, pdm_mean, slav_mean, esv_mean;
    long   migrations, migrations_rejected;
    long   sleeps, wakes;          /* PM transitions between intervals */
    int    n_vms, n_pms, n_steps;
    int    vms_removed;            /* cloudsim_2011: VMs removed at 0 % */
    int    vms_unplaced;           /* no PM could take them at start */
    double active_pm_hours;
    double requested_mips_hours;   /* demand served (denominator of PDM) */
    double cpu_s;                  /* set by the caller: CPU time of the run */
    /* per interval (n_steps each) */
    int    *active;                /* PMs awake in the interval */
    int    *overloaded;            /* PMs with a violation in the interval */
    int    *migrations_at;         /* migrations started at the interval */
    double *power_w;               /* mean power over the interval */
} xgc_sim_result_t;

/* Optional observers, for the placement log. vm_pm[v] is the PM of VM v
 * (-1: not placed or removed) at the start of the interval after the
 * round's decisions (a migrating VM is on its source). */
typedef struct {
    void *arg;
    void (*on_interval)(void *arg, int step, double t, const int *vm_pm, int n_vms);
    void (*on_migration)(void *arg, int vm, int from, int to, double start, double end);
} xgc_sim_observer_t;

void xgc_sim_config_default(xgc_sim_config_t *cfg);

/* Checks a policy name; returns 0 or -1 with a message in err. */
int xgc_sim_policy_check(const char *name, char *err, size_t err_len);

/* One-line description of the policy names. */
const char *xgc_sim_policy_help(void);

/* Runs the whole trace. Returns 0; or, with a message in err and nothing
 * to free, -1 (the run failed) or -2 (the policy failed: a plugin's bad
 * move or its own error). On success free the result with
 * xgc_sim_result_free(). */
int xgc_sim_run(const xgc_trace_t *trace, const xgc_sim_config_t *cfg,
                const xgc_sim_observer_t *observer, xgc_sim_result_t *result,
                char *err, size_t err_len);

void xgc_sim_result_free(xgc_sim_result_t *result);

#endif
