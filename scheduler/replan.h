/* replan — migration-aware, incremental re-planning on top of the placement
 * core.
 *
 * The placement algorithms (scheduler/placement/) answer "where should these
 * VMs go"; a running cluster also asks "what may change now": every move is
 * a live migration that costs time and service quality, a PM being drained
 * must be emptied, a PM whose heartbeat stopped must not lose its VMs until
 * it is fenced (else a VM could run twice), an empty PM should be switched
 * off — but not the second it empties. replan starts from the current
 * placement and changes as little as it can:
 *
 *  1. VMs without a PM (arrivals, VMs of a fenced PM, VMs that found no room
 *     before) are placed into the existing placement by the configured
 *     algorithm; nothing else moves for them.
 *  2. Mandatory moves: PMs over capacity (a resize) and draining PMs are
 *     relieved, within the migration budget.
 *  3. Only in an optimising round, with policy `pemm` (the default):
 *     PEMM's closing move (empty a PM into the others) and single-VM moves, each taken only when its gain in Net
 *     exceeds `gain_margin` per migration, never for a VM moved less than
 *     `cooldown_ms` ago, at most `max_migrations` per round and
 *     `max_per_pm` per PM (in + out, counting operations still under way).
 *     Cooldown + margin are the hysteresis that rules out ping-pong.
 *     With policy `consolidate`, these moves come instead from xgc's
 *     migration planner (scheduler/policy/migrate.c, the one xgc sim runs)
 *     on the VMs' observed demand: relief of PMs overloaded now or in the
 *     forecast, then gated consolidation of underloaded PMs — through
 *     policy_bridge.h, within the same per-round and per-PM budgets.
 *  4. Power: a PM with VMs is on; an up PM that stays empty for
 *     `power_off_hold_ms` is switched off; an off PM is switched on as soon
 *     as a placement puts a VM on it (its power cost is in PEMM's gain).
 *
 * Pure: no I/O, no clock (`now_ms` is a parameter), no globals.
 */
#ifndef XGC_REPLAN_H
#define XGC_REPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_model.h"
#include "scheduler/placement/placement.h"
#include "scheduler/policy/migrate.h"

#define XGC_REPLAN_REASON_MAX 96

typedef enum {
    XGC_REPLAN_PM_UP = 0,        /* alive and on: takes VMs */
    XGC_REPLAN_PM_DRAINING,      /* alive: evacuate, place nothing new */
    XGC_REPLAN_PM_FAILED,        /* heartbeat lost, not fenced: keep its VMs, place nothing */
    XGC_REPLAN_PM_FENCED,        /* failed and fenced: its VMs are re-created elsewhere */
    XGC_REPLAN_PM_OFF            /* switched off by us: switched on when a VM needs it */
} xgc_replan_pm_state_t;

typedef struct {
    xgc_pm_spec_t spec;
    xgc_replan_pm_state_t state;
    int64_t empty_since_ms;      /* on and empty since then; 0 = not known empty */
    int ops_in_flight;           /* migrations/creates under way on it (count in max_per_pm) */
} xgc_replan_pm_t;

/* A VM's observed CPU demand (scheduler/policy/demand.h, MHz) and where it
 * came from, for policy `consolidate`. All zero = nothing known: the VM is
 * taken to use its guaranteed minimum. */
typedef struct {
    int samples;                 /* observed so far; 0 = nothing known */
    double estimate;             /* xgc_demand_estimate */
    double mean, spread;         /* xgc_demand_mean, xgc_demand_spread */
    double last;                 /* the last observed sample */
    double cap_mhz;              /* the most it can use (its spec's max); 0 = spec.max_mhz */
    bool has_from;               /* last_from is known */
    int last_from;               /* PM index it left on its last move */
} xgc_replan_load_t;

typedef struct {
    xgc_vm_spec_t spec;          /* min/max = the effective demand for packing */
    int host;                    /* index in the PM array, -1 = not placed */
    int64_t last_move_ms;        /* when it last arrived on its PM; 0 = long ago */
    bool in_flight;              /* being created or migrated: do not move it now */
    xgc_replan_load_t load;      /* observed demand (policy consolidate) */
} xgc_replan_vm_t;

/* Where step 3's load-driven moves come from. */
typedef enum {
    XGC_REPLAN_POLICY_PEMM = 0,  /* PEMM closing moves and single moves gaining Net */
    XGC_REPLAN_POLICY_CONSOLIDATE /* scheduler/policy/migrate.c on the observed demand
                                    (relief, gated consolidation), via policy_bridge.h */
} xgc_replan_policy_t;

typedef struct {
    xgc_place_algorithm_t algo;  /* how VMs without a PM are placed (default PEMM) */
    int max_migrations;          /* per round; 0 = no migrations */
    int max_per_pm;              /* per PM per round (in + out + in flight); 0 = no limit */
    int64_t cooldown_ms;         /* a VM moved less than this ago stays */
    double gain_margin;          /* a migration must gain more Net than this */
    int64_t power_off_hold_ms;   /* an empty PM stays on this long */
    bool optimise;               /* also consolidate/rebalance (not on a mere arrival) */
    xgc_replan_policy_t policy;  /* step 3 (default PEMM) */
    xgc_plan_params_t plan;      /* policy consolidate: migrate.c's parameters */
    int64_t round_ms;            /* policy consolidate: one of migrate.c's rounds */
} xgc_replan_params_t;

/* Defaults: PEMM, K = 4 per round, 2 per PM, cooldown 60 s, margin 1.0,
 * hold 30 s, optimise off, policy pemm (migrate.c's defaults, rounds of
 * 10 s, for policy consolidate). */
void xgc_replan_params_default(xgc_replan_params_t *p);

typedef enum {
    XGC_REPLAN_KEPT = 0,         /* stays where it was */
    XGC_REPLAN_PLACED,           /* arrival: placed without moving others */
    XGC_REPLAN_FAILOVER,         /* its PM was fenced: re-created elsewhere */
    XGC_REPLAN_EVACUATED,        /* moved off a draining PM */
    XGC_REPLAN_RELIEVED,         /* moved off a PM over capacity */
    XGC_REPLAN_CONSOLIDATED,     /* moved so that its PM can be switched off */
    XGC_REPLAN_REBALANCED,       /* moved for a higher Net */
    XGC_REPLAN_UNPLACED,         /* no room anywhere */
    XGC_REPLAN_STRANDED          /* on a failed, unfenced PM: waits for the fence */
} xgc_replan_why_t;

typedef struct {
    int host;                    /* new PM index, -1 = unplaced */
    int from;                    /* source PM of a live migration, else -1 */
    xgc_replan_why_t why;
    double alloc_mhz;            /* what the hypervisor will give it (water filling) */
    char reason[XGC_REPLAN_REASON_MAX];   /* "" for a VM simply kept */
} xgc_replan_vm_result_t;

typedef struct {
    bool on;                     /* desired power state */
    bool switched;               /* this round changes it */
    int64_t empty_since_ms;      /* to pass back next round */
    char reason[XGC_REPLAN_REASON_MAX];
} xgc_replan_pm_result_t;

typedef struct {
    xgc_replan_vm_result_t *vms; /* one per input VM, same order */
    xgc_replan_pm_result_t *pms; /* one per input PM, same order */
    size_t n_vms, n_pms;
    int migrations, placed, unplaced, pms_on, switched_on, switched_off;
    double utility, power_cost, net;
    bool pending;                /* budget ran out with mandatory work left */
} xgc_replan_result_t;

/* Re-plan. `vms[i].host` must be -1 or < n_pms. Fills *out (arrays
 * allocated; free with xgc_replan_result_free). Returns 0, or -1 with the
 * reason in err (bad index, allocation) and *out empty. */
int xgc_replan_run(const xgc_replan_pm_t *pms, size_t n_pms,
                   const xgc_replan_vm_t *vms, size_t n_vms,
                   const xgc_replan_params_t *params, int64_t now_ms,
                   xgc_replan_result_t *out, char *err, size_t errlen);

void xgc_replan_result_free(xgc_replan_result_t *r);

/* "up", "draining", "failed", "fenced", "off". */
const char *xgc_replan_pm_state_name(xgc_replan_pm_state_t state);

/* "pemm", "consolidate"; parse: the policy or -1. */
const char *xgc_replan_policy_name(xgc_replan_policy_t policy);
int xgc_replan_policy_parse(const char *name);

/* "kept", "placed", "failover", ... */
const char *xgc_replan_why_name(xgc_replan_why_t why);

#endif
