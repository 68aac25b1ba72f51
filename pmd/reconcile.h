/* reconcile — the pmd's decision rule, pure: from what the plan wants, what
 * the hypervisor here has, what the other hosts report, which operations are
 * in flight and the clock value passed in, to a list of actions and the
 * actual state to report for each VM here. No I/O, no clock, no globals:
 * the pmd's loop (pmd/main.c) gathers the inputs, calls xgc_reconcile() on
 * every change and every tick, and executes the actions through the driver.
 *
 * It is the seed's monitor table ("Monitor行为", ../shared/DESIGN.md):
 *
 *   assigned here? desired  running here?  action
 *   yes            stop     yes            shut it down
 *   yes            run      no             create it (if the PM has room)
 *   yes            run      yes            ensure cap / weight match the plan
 *   yes            run,from no             wait for the migration to arrive
 *   no             run      yes            live-migrate it to its PM
 *   no             stop/-   yes            shut it down
 *   no             -        no             nothing
 *   (seed: being created here but assigned elsewhere: log, shut it down)
 *
 * and what the seed left implicit (docs/pmd.md has the full list):
 *  - Level, not edge: the rule looks only at current state, so a
 *    duplicated update changes nothing and a lost one is repaired at the
 *    next tick. When a VM has plan entries on several hosts (an update of
 *    the new host arrived before the deletion at the old one) the entry
 *    with the highest `round` wins; a tie between hosts means "wait".
 *  - One operation per VM at a time: while one is in flight (or the
 *    hypervisor shows the VM creating/migrating/stopping) nothing else is
 *    started for it; a plan that changes meanwhile is acted on once the
 *    operation has finished.
 *  - Adopt, never duplicate: a VM the hypervisor already runs is adopted
 *    (its cap/weight are corrected); a VM that another live host reports
 *    is received from it by migration rather than created; a VM running
 *    both here and, settled, on its assigned host is destroyed here.
 *  - Failures back off: a failed create/migration is reported as failed
 *    with its reason and retried after base·2^(n-1) (bounded by max).
 *  - Power: while the PM is to go off (or is drained) it takes no new VMs;
 *    once it has none and nothing is in flight, power off.
 */
#ifndef XGC_PMD_RECONCILE_H
#define XGC_PMD_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "pmd/driver.h"

/* A VM's actual state on a host, as in `pm/<host>/vm/<vm>`. */
typedef enum {
    XGC_RC_NONE = 0,          /* not there */
    XGC_RC_CREATING,
    XGC_RC_RUNNING,
    XGC_RC_MIGRATING_OUT,
    XGC_RC_MIGRATING_IN,
    XGC_RC_STOPPING,
    XGC_RC_FAILED
} xgc_rc_state_t;

const char *xgc_rc_state_name(xgc_rc_state_t state);
xgc_rc_state_t xgc_rc_state_parse(const char *name);   /* NONE if unknown */

/* One plan entry `plan/<host>/<vm>` (any host, not only this one). */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    int run;                  /* 1 run, 0 stop */
    double cap_mhz;           /* 0 = no cap */
    int weight;               /* 0 = leave as is */
    char from[XGC_NAME_MAX];  /* source host of a migration, "" */
    int64_t round;
} xgc_rc_plan_t;

/* What another host reports: `pm/<host>/vm/<vm>`. Only hosts whose
 * heartbeat is alive are listed in `peers`; reports from other hosts are
 * ignored (a host whose lease ran out has stopped its VMs). */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    xgc_rc_state_t state;
} xgc_rc_remote_t;

/* An operation this pmd started and that has not finished yet. */
typedef struct {
    char vm[XGC_NAME_MAX];
    xgc_op_kind_t kind;
    int64_t started_ms;
} xgc_rc_op_t;

/* The last failures of an operation on a VM (kept by the caller; reset when
 * one succeeds). */
typedef struct {
    char vm[XGC_NAME_MAX];
    xgc_op_kind_t kind;
    int count;                /* consecutive failures */
    int64_t last_ms;          /* when the last one was reported */
    char reason[160];
} xgc_rc_failure_t;

/* A condition the rule is waiting on (output), and since when the caller
 * has seen it continuously (input: the caller copies the previous call's
 * waits in, keeping the first time it saw each one). */
typedef struct {
    char vm[XGC_NAME_MAX];
    int64_t since_ms;
} xgc_rc_wait_t;

typedef struct {
    const char *host;                 /* this PM */
    int64_t now_ms;

    const xgc_rc_plan_t *plan;         size_t plan_n;
    const xgc_dom_info_t *doms;        size_t dom_n;     /* the hypervisor here */
    const char *const *peers;          size_t peer_n;    /* alive other hosts */
    const xgc_rc_remote_t *remote;     size_t remote_n;
    const xgc_rc_op_t *ops;            size_t op_n;
    const xgc_rc_failure_t *failures;  size_t failure_n;
    const xgc_rc_wait_t *waits;        size_t wait_n;
    const xgc_vm_spec_t *specs;        size_t spec_n;

    double free_mem_mb;               /* < 0: unknown, do not check */
    double core_mhz;                  /* MHz of one core; > 0: caps are set
                                         in whole % of a core (Xen), so a cap
                                         that maps to the same % already holds */
    int power_off;                    /* the plan wants this PM off */
    int drain;                        /* operator: take no new VMs */
    int powered_off;                  /* the PM is off now (sim: asleep) */

    int64_t backoff_base_ms;          /* first retry delay, e.g. 5000 */
    int64_t backoff_max_ms;           /* bound, e.g. 300000 */
    int64_t lost_grace_ms;            /* how long to wait for a `from` host
                                         that does not report the VM before
                                         creating it here instead */
} xgc_rc_input_t;

typedef enum {
    XGC_ACT_CREATE = 1,       /* vm, cap_mhz, weight */
    XGC_ACT_DESTROY,          /* vm, reason */
    XGC_ACT_SET_SCHED,        /* vm, cap_mhz, weight */
    XGC_ACT_MIGRATE_OUT,      /* vm, peer = destination host */
    XGC_ACT_MIGRATE_IN,       /* vm, peer = source host (prepare to receive) */
    XGC_ACT_POWER_OFF,
    XGC_ACT_POWER_ON
} xgc_rc_act_kind_t;

typedef struct {
    xgc_rc_act_kind_t kind;
    char vm[XGC_NAME_MAX];
    char peer[XGC_NAME_MAX];
    double cap_mhz;
    int weight;
    char reason[160];
} xgc_rc_action_t;

/* The actual state to publish as `pm/<host>/vm/<vm>` (VMs not listed are
 * not here: their keys are deleted). */
typedef struct {
    char vm[XGC_NAME_MAX];
    xgc_rc_state_t state;
    double cap_mhz;
    int weight;
    char reason[160];
} xgc_rc_report_t;

typedef struct {
    xgc_rc_action_t *actions;   size_t action_n;
    xgc_rc_report_t *reports;   size_t report_n;
    xgc_rc_wait_t *waits;       size_t wait_n;   /* since_ms carried over
                                                   or now_ms if new */
} xgc_rc_output_t;

/* Decide. Fills *out (allocated; free with xgc_rc_output_free). Returns 0,
 * or -1 if out of memory (out is then empty). Deterministic: actions come
 * in the order of the VMs' names. */
int xgc_reconcile(const xgc_rc_input_t *in, xgc_rc_output_t *out);
void xgc_rc_output_free(xgc_rc_output_t *out);

/* The back-off delay after `count` consecutive failures (pure). */
int64_t xgc_rc_backoff_ms(int count, int64_t base_ms, int64_t max_ms);

const char *xgc_rc_act_name(xgc_rc_act_kind_t kind);

#endif
