/* view — the scheduler's picture of the cluster, decoded from the blackboard.
 *
 * The bus keeps a replica of raw msgpack values; planning needs typed,
 * indexed data every round, so the view decodes each change once as it
 * arrives (vm/<name>/spec, pm/<host>/info|alive|admin|power|vm/<vm>,
 * plan/<host>/<vm>) and keeps what the replan round needs: specs, where the
 * plan puts each VM, what actually runs, which PMs are up, draining, lost,
 * fenced or off. It then turns a round's result back into plan entries and
 * power states for plandiff. The daemon, `xgc plan --dry-run` and
 * `xgc status` share it. Pure: the time is a parameter; fencing decisions
 * are told to it (xgc_view_set_fenced) by whoever ran the fence.
 *
 * A PM's state for replan: power off → OFF; heartbeat present → UP or
 * DRAINING (admin drain); heartbeat absent → UP during the boot grace after
 * we switched it on, else FAILED until fenced: by the fence command, or —
 * without one — once its pmd's lease (the heartbeat's lease_ms, after the
 * heartbeat vanished) plus fence_grace_ms has run out: the pmd has stopped
 * its VMs by then, so re-creating them elsewhere cannot run one twice.
 */
#ifndef XGC_VIEW_H
#define XGC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>

#include "xgc_state.h"
#include "scheduler/policy/demand.h"
#include "scheduler/replan.h"
#include "scheduler/sched_config.h"

typedef struct _xgc_view_t xgc_view_t;

/* What a change means to the scheduler (the reason of the next round). */
typedef enum {
    XGC_VIEW_NONE = 0,
    XGC_VIEW_ARRIVAL,            /* a new VM spec */
    XGC_VIEW_DEPARTURE,          /* a VM spec deleted */
    XGC_VIEW_RESIZE,             /* a VM spec changed */
    XGC_VIEW_PM_JOIN,            /* a PM registered, or its heartbeat came back */
    XGC_VIEW_PM_LOST,            /* a PM's heartbeat expired */
    XGC_VIEW_DRAIN,              /* drain / undrain */
    XGC_VIEW_ACTUAL,             /* a VM's actual state changed */
    XGC_VIEW_PLAN,               /* a plan entry changed */
    XGC_VIEW_POWER,              /* a power key changed */
    XGC_VIEW_OTHER,              /* a key the view ignores */
    XGC_VIEW_INVALID,            /* a value that does not decode: ignored */
    XGC_VIEW_CHANGES
} xgc_view_change_t;

const char *xgc_view_change_name(xgc_view_change_t change);

xgc_view_t *xgc_view_new(void);
void xgc_view_destroy(xgc_view_t **self_p);

/* Apply a change of `key` (value NULL = deleted) seen at now_ms. An
 * undecodable value is ignored (the old one kept) and reported as INVALID
 * with the reason in err. */
xgc_view_change_t xgc_view_apply(xgc_view_t *self, const char *key, const uint8_t *value,
                                 size_t len, int64_t now_ms, char *err, size_t errlen);

/* The effective CPU demand of a VM (MHz, from metrics); 0 = unknown (its
 * spec's max is used). Packing uses max' = clamp(demand, min, max). */
void xgc_view_set_demand(xgc_view_t *self, const char *vm, double mhz);
/* A VM's observed demand for policy consolidate (cap and origin are the
 * view's). */
void xgc_view_set_load(xgc_view_t *self, const char *vm, const xgc_replan_load_t *load);
/* Both of the above from a VM's demand estimator (policy_bridge.h's
 * xgc_bridge_observed): how the scheduler and `xgc plan --observe` feed
 * what they observed into the view. */
void xgc_view_set_observed(xgc_view_t *self, const char *vm, const xgc_demand_t *demand);
/* Demand estimators by VM name, as the scheduler and xgc plan --observe
 * keep them: a table that frees its estimators, and the one of vm,
 * created with params on first use (NULL: out of memory). */
zhashx_t *xgc_view_estimators_new(void);
xgc_demand_t *xgc_view_estimator(zhashx_t *estimators, const char *vm,
                                 const xgc_demand_params_t *params);
/* The fence of a lost PM succeeded (true), or its heartbeat is back. */
void xgc_view_set_fenced(xgc_view_t *self, const char *host, bool fenced);
/* We switched this PM on at now_ms (boot grace starts). */
void xgc_view_note_switched_on(xgc_view_t *self, const char *host, int64_t now_ms);

/* Counts, for status lines and metrics. */
size_t xgc_view_vm_count(const xgc_view_t *self);
size_t xgc_view_pm_count(const xgc_view_t *self);

/* A round's input, by name order (deterministic). */
typedef struct {
    xgc_replan_pm_t *pms;
    xgc_replan_vm_t *vms;
    size_t n_pms, n_vms;
    double *cap_mhz;             /* per VM: the spec's max (the cap to apply) */
    const void **refs;           /* per VM: the view's record (private) */
} xgc_view_round_t;

/* Build the replan input at now_ms (PM states as described above).
 * 0 or -1 (out of memory). */
int xgc_view_round(xgc_view_t *self, const xgc_sched_config_t *cfg, int64_t now_ms,
                   xgc_view_round_t *round);
void xgc_view_round_free(xgc_view_round_t *round);

/* Names of lost PMs (FAILED in the last round built) not fenced yet. */
size_t xgc_view_lost(const xgc_view_round_t *round, const char **names, size_t max);

/* The plan a round's result asks for (entries + power states of up/off
 * PMs), and the plan as the blackboard holds it now. Arrays to free().
 * Both leave out the VMs whose one plan entry already is what is wanted
 * (so that plandiff works on the changes only): call current right after
 * desired. */
int xgc_view_desired(xgc_view_t *self, const xgc_view_round_t *round,
                     const xgc_replan_result_t *result, int64_t round_no,
                     xgc_plan_entry_t **entries, size_t *n_entries,
                     xgc_power_state_t **power, size_t *n_power);
int xgc_view_current(const xgc_view_t *self, xgc_plan_entry_t **entries, size_t *n_entries,
                     xgc_power_state_t **power, size_t *n_power);

/* Remember the empty-since times a round computed (power hold). */
void xgc_view_keep_power_times(xgc_view_t *self, const xgc_view_round_t *round,
                               const xgc_replan_result_t *result);

/* A VM's spec (as written, not the effective demand), or NULL. */
const xgc_vm_spec_t *xgc_view_spec(const xgc_view_t *self, const char *vm);

/* Read access for tools: the actual state of vm on host, or NULL. */
const xgc_vm_actual_t *xgc_view_actual(const xgc_view_t *self, const char *host,
                                       const char *vm);
/* Every actual entry of a VM (any host): calls fn for each. */
void xgc_view_each_actual(const xgc_view_t *self,
                          void (*fn)(void *arg, const xgc_vm_actual_t *a), void *arg);

#endif
