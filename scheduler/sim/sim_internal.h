/* sim_internal.h — the simulated data centre as the engine (sim.c) and the
 * policies (baseline.c, xgc_policy.c) see it. Not a public API. */
#ifndef XGC_SIM_INTERNAL_H
#define XGC_SIM_INTERNAL_H

#include "scheduler/sim/power.h"
#include "scheduler/sim/sim.h"
#include "scheduler/sim/xgc_sim_plugin.h"

#define SIM_HISTORY 10   /* utilisation samples kept per VM (LR window) */

typedef struct {
    const xgc_sim_power_t *model;
    double mips;            /* all cores */
    double core_mips;
    int    ram_mb;
    int   *vms;             /* resident VMs (incl. migrating in), arrival order */
    int    n_vms, cap_vms;
    int    ram_used;
    /* at the round's instant, before decisions (the "last update") */
    double now_alloc_mips;  /* allocated CPU */
    double now_req_mips;    /* requested CPU */
    /* metrics */
    double util_from;       /* utilisation at the start of the segment */
    double active_s, violation_s;
    int    awake, was_awake;
} sim_pm_t;

typedef struct {
    double mips;
    int    ram_mb;
    int    pm;              /* -1: not placed or removed */
    int    dest;            /* migrating to dest, -1 if not migrating */
    int    dest2;           /* CloudSim-2011: a superseded destination still
                               receiving the copy, -1 if none (see sim.c) */
    double mig_end;
    int    removed;
    float  hist[SIM_HISTORY];   /* utilisation (fraction), oldest first */
    int    hist_n;
    double requested_s, lost_s;  /* PDM: MIPS x s requested, lost to migration */
    double demand, alloc;        /* at the evaluated instant */
} sim_vm_t;

typedef struct {
    int vm, dest;
} sim_move_t;

typedef struct _xgc_sim_t xgc_sim_t;

typedef struct {
    void *self;
    /* initial placement of VM v (demand = its full capacity); PM or -1 */
    int (*place)(void *self, xgc_sim_t *sim, int vm);
    /* the round's migrations; at most max */
    int (*decide)(void *self, xgc_sim_t *sim, sim_move_t *moves, int max);
    void (*destroy)(void *self);
    int npa;                /* non power-aware: every PM at full power */
} sim_policy_t;

struct _xgc_sim_t {
    const xgc_trace_t *trace;
    xgc_sim_config_t cfg;
    int        n_pms, n_vms, step;
    sim_pm_t  *pms;
    sim_vm_t  *vms;
    const char *failed;     /* set by a policy that failed (a plugin's bad
                               move): the run stops, xgc_sim_run returns -2 */
};

/* Demand of VM v at the current step's sample, MIPS (uncapped). */
double sim_vm_demand_now(const xgc_sim_t *sim, int v);

/* Whether PM RAM limits placement: always with ram_limit; in CloudSim-2011
 * mode also when VMs are created (their RAM use is 0 afterwards there). */
int sim_ram_checked(const xgc_sim_t *sim, int creating);

/* Migration time of a VM, seconds. */
double sim_migration_time(const xgc_sim_t *sim, int ram_mb);

/* Runs with a given policy (which it destroys); xgc_sim_run() picks it by
 * name. Tests use it to script placements and migrations. */
int sim_run_policy(const xgc_trace_t *trace, const xgc_sim_config_t *cfg,
                   sim_policy_t policy, const xgc_sim_observer_t *observer,
                   xgc_sim_result_t *result, char *err, size_t err_len);

int sim_baseline_new(const char *name, sim_policy_t *policy, char *err, size_t err_len);
int sim_xgc_policy_new(const char *name, sim_policy_t *policy, char *err, size_t err_len);

/* plugin.c: "PATH[:ARG]" loaded with dlopen; or a plugin table already in
 * memory (handle NULL; tests), with path for messages. */
int sim_plugin_new(const char *spec, sim_policy_t *policy, char *err, size_t err_len);
int sim_plugin_wrap(const xgc_sim_plugin_t *plugin, void *handle, const char *path,
                    const char *arg, sim_policy_t *policy, char *err, size_t err_len);

#endif
