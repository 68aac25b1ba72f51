/* xgc_sim_plugin.h — write your own consolidation policy for `xgc sim`.
 *
 * A plugin is one C file compiled to a shared object against this header
 * alone (no other xgc header, no xgc library):
 *
 *     cc -O2 -shared -fPIC -I<xgc>/scheduler/sim -o my.so my.c
 *     xgc sim --planetlab DIR --policy plugin:./my.so[:ARG]
 *
 * It exports one symbol, `xgc_sim_plugin`, of type xgc_sim_plugin_t:
 *
 *     const xgc_sim_plugin_t xgc_sim_plugin = {
 *         XGC_SIM_PLUGIN_API, "my-policy", my_create, my_place, my_decide, my_destroy
 *     };
 *
 * The simulator (docs/sim.md) calls place() once per VM, in VM order,
 * before the first interval (the initial placement), then decide() at
 * every round — every trace interval after the first — with a read-only
 * view of the data centre at the round's instant. The moves decide()
 * returns start at once; every metric (energy, SLATAH, PDM, SLAV, ESV,
 * migrations), --json, --out and --cloudsim-2011 work as for the built-in
 * policies. Everything is single-threaded; the plugin runs inside xgc's
 * process (a crash in it is a crash of xgc sim).
 *
 * Indices: PMs 0 .. n_pms-1 (even: HP ML110 G4, odd: G5), VMs 0 .. n_vms-1
 * (trace order). Units: MIPS for CPU, MB for RAM, seconds, watts.
 *
 * Stability: the layout of every struct below is fixed for a given
 * XGC_SIM_PLUGIN_API; a change of layout or meaning raises it, and xgc
 * refuses a plugin built for another version (exit 2).
 */
#ifndef XGC_SIM_PLUGIN_H
#define XGC_SIM_PLUGIN_H

#include <stddef.h>

#define XGC_SIM_PLUGIN_API     1    /* this header's version */
#define XGC_SIM_PLUGIN_HISTORY 10   /* utilisation samples kept per VM */

/* One PM at the round. */
typedef struct {
    int    cores;          /* 2 */
    double core_mips;      /* one core: 1860 (G4) or 2660 (G5); a VM gets at most one */
    double mips;           /* all cores: cores x core_mips */
    int    ram_mb;         /* 4096 */
    int    ram_used_mb;    /* RAM of its resident VMs (incl. VMs migrating in) */
    double watts[11];      /* SPECpower table: W at 0, 10, ..., 100 % CPU (linear
                              in between); a PM without VMs sleeps at 0 W */
    const int *vms;        /* its resident VMs, in arrival order, incl. VMs being
                              copied to it (their dest is this PM); n_vms of them */
    int    n_vms;          /* 0: the PM is asleep */
    double alloc_mips;     /* CPU allocated to its VMs at the round (decide only; 0 in place) */
    double req_mips;       /* CPU its VMs request at the round (decide only; 0 in place);
                              req_mips > alloc_mips: the PM is in SLA violation now */
} xgc_sim_plugin_pm_t;

/* One VM at the round. */
typedef struct {
    double mips;           /* capacity (single core) */
    int    ram_mb;         /* RAM; sets its migration time (see view) */
    int    pm;             /* PM it runs on; -1: not placed (no PM took it at
                              start, or removed at 0 % in CloudSim-2011 mode) */
    int    dest;           /* PM it is being copied to; -1: not migrating (a copy
                              ends within the interval it starts in, so a round
                              sees -1; kept for models where copies last longer) */
    double demand_mips;    /* what it asks now: mips x the trace's CPU % at this
                              step (not capped at a core) */
    const float *hist;     /* its recent utilisation (fraction of mips), oldest
                              first, one per round it was placed; hist_n of them */
    int    hist_n;         /* 0 .. XGC_SIM_PLUGIN_HISTORY */
} xgc_sim_plugin_vm_t;

/* The data centre as the plugin sees it. Read-only; its pointers are valid
 * only during the callback it is passed to. */
typedef struct {
    int    api;            /* XGC_SIM_PLUGIN_API of the simulator */
    int    step;           /* trace sample of this round: 0 in place(), >= 1 in decide() */
    int    n_steps;        /* samples in the trace */
    double interval_s;     /* 300 for PlanetLab */
    double time_s;         /* step x interval_s */
    int    n_pms, n_vms;
    const xgc_sim_plugin_pm_t *pms;
    const xgc_sim_plugin_vm_t *vms;
    int    ram_limit;      /* 1: the engine refuses a move or placement over a PM's
                              RAM (--ram-limit); 0: RAM only sets migration times */
    int    cloudsim_2011;  /* 1: --cloudsim-2011 (docs/sim.md); placement is then
                              RAM-checked too */
    double bandwidth_mbps; /* 1000; a migration takes ram_mb x 8 / (bandwidth_mbps / 2) s */
    double migration_loss; /* 0.1: share of its CPU a VM loses while migrating */
} xgc_sim_plugin_view_t;

/* One migration: VM vm to PM dest. */
typedef struct {
    int vm, dest;
} xgc_sim_plugin_move_t;

typedef struct {
    int api;               /* XGC_SIM_PLUGIN_API the plugin was built with */
    const char *name;      /* short name, for messages */

    /* Optional (NULL: self is NULL). arg is the ARG of plugin:PATH:ARG, or
     * "" without one. Sets *self; returns 0, or -1 with a message in err
     * (xgc sim then exits 2 with it). May be called more than once per
     * run of xgc sim (once to check the arguments), each with its destroy. */
    int (*create)(const char *arg, void **self, char *err, size_t err_len);

    /* Required. Initial placement of VM vm, before the first round: a PM,
     * or -1 to leave it unplaced (it never runs; counted in vms_unplaced).
     * The VMs placed so far are in the view. A PM over its RAM when RAM is
     * checked (ram_limit or cloudsim_2011) refuses the VM: unplaced too.
     * Any other value stops the run (exit 2). */
    int (*place)(void *self, const xgc_sim_plugin_view_t *view, int vm);

    /* Required. The round's migrations: writes at most max moves and
     * returns their number (0: none), or -1 on the plugin's own failure
     * (the run stops, exit 2). Moves are started in order, each copy
     * starting now.
     * A move that contradicts the view is a bug of the plugin and stops the
     * run (exit 2, naming the plugin, step and move): a VM or PM index out
     * of range, a VM that is not placed (pm -1), a move to the VM's own
     * PM, more than max moves. A move the engine refuses under its rules
     * — the VM already migrating (a second move of a VM in one round;
     * CloudSim-2011 mode runs it, as CloudSim did), or over the PM's RAM
     * with ram_limit — is skipped and counted in migrations_rejected, as for
     * the built-in policies. CPU is never a hard limit: a PM may be
     * over-subscribed (its VMs then share it; an SLA violation). */
    int (*decide)(void *self, const xgc_sim_plugin_view_t *view,
                  xgc_sim_plugin_move_t *moves, int max);

    /* Optional. Frees self. */
    void (*destroy)(void *self);
} xgc_sim_plugin_t;

/* The symbol xgc looks up in the shared object. */
#define XGC_SIM_PLUGIN_SYMBOL "xgc_sim_plugin"

#endif
