/* soak_check — the pure parts of `xgc soak`: the seeded fault schedule, the
 * invariant checker over one snapshot of the cluster, and the statistics of
 * the report. No I/O, no clock, no globals: the soak shell (tools/cmd_soak.c)
 * gathers a snapshot (the simulated hypervisors' state files + the bus
 * replica) and the time, and hands them here; the unit tests do the same
 * with hand-made snapshots (tests/unit/test_soak_check.c).
 *
 * Invariants (docs/soak.md):
 *   twice       a VM held by two PMs' hypervisors at once       immediate
 *   mem         a PM's hypervisor holds more memory than it has  immediate
 *   invalid     a VM with an invalid spec is planned or runs     immediate
 *   plan_over   the plan puts more min CPU / memory on a PM than
 *               it has, for longer than 3 s                      violation
 *   missing     planned to run, held nowhere                     transient
 *   unplaced    a valid spec without a plan entry                transient
 *   misplaced   held on another PM than the plan's               transient
 *   zombie      held while its spec is gone                      transient
 *   nopmd       a PM whose pmd runs and is reachable has no heartbeat  transient
 *   noleader    no scheduler holds sched/leader                  transient
 * A transient problem is what a fault leaves behind; the cluster has
 * converged when there is none. One that lasts longer than the bound
 * becomes a violation (once per episode). VMs whose spec is younger than
 * the grace period are not yet expected anywhere. */
#ifndef XGC_SOAK_CHECK_H
#define XGC_SOAK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_model.h"

/* --- the fault schedule -------------------------------------------------- */

typedef enum {
    XGC_SOAK_F_BROKER,       /* SIGKILL the broker, restart it */
    XGC_SOAK_F_SCHED,        /* SIGKILL the active scheduler, restart it (1 s or 5 s) */
    XGC_SOAK_F_PMD,          /* SIGKILL a pmd, restart it (1 s or 1.6 leases) */
    XGC_SOAK_F_PMD_MIG,      /* same, chosen while it migrates a VM */
    XGC_SOAK_F_LINK,         /* cut a pmd's link for longer than its lease */
    XGC_SOAK_F_STALL,        /* SIGSTOP a subscriber (xgc tail), SIGCONT later */
    XGC_SOAK_F_JUNK,         /* flood of malformed and oversized frames */
    XGC_SOAK_F_BADSPEC,      /* burst of invalid VM specs */
    /* security probes, only with `--security curve` (tools/soak_probe.h) */
    XGC_SOAK_F_PROBE_KEY,    /* a client with an unknown key tries to write */
    XGC_SOAK_F_PROBE_ROLE,   /* a pmd's key writes another PM's key and a plan */
    XGC_SOAK_F_COUNT
} xgc_soak_fault_kind_t;

/* The kinds of a plaintext run: the first XGC_SOAK_F_PLAIN of the enum. */
#define XGC_SOAK_F_PLAIN XGC_SOAK_F_PROBE_KEY

typedef struct {
    int64_t at_ms;           /* from the start of the run */
    xgc_soak_fault_kind_t kind;
    int target;              /* pmd index for PMD/LINK faults, else 0 */
    int64_t hold_ms;         /* how long the fault lasts before its repair */
} xgc_soak_fault_t;

const char *xgc_soak_fault_name(xgc_soak_fault_kind_t kind);

/* Fill out[] (at most max) with the faults of a run of duration_ms over
 * `pmds` pmds whose lease is lease_ms: a quiet warm-up and tail, faults
 * every gap_ms (± 30 %) in between; each cycle of `kinds` faults is a
 * seeded permutation of the first `kinds` kinds (XGC_SOAK_F_PLAIN, or
 * XGC_SOAK_F_COUNT with the security probes), so a short run sees every
 * kind. Same arguments, same schedule. Returns how many. */
size_t xgc_soak_schedule(uint64_t seed, int64_t duration_ms, int pmds, int64_t lease_ms,
                         int64_t gap_ms, int kinds, xgc_soak_fault_t *out, size_t max);

/* --- a snapshot ----------------------------------------------------------- */

typedef enum {
    XGC_SOAK_DOM_RUNNING, XGC_SOAK_DOM_CREATING, XGC_SOAK_DOM_STOPPING,
    XGC_SOAK_DOM_INDOUBT     /* suspended mid-migration: holds memory, does not run */
} xgc_soak_dom_state_t;

typedef struct {             /* a domain in a PM's hypervisor */
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    xgc_soak_dom_state_t state;
    double mem_mb;
} xgc_soak_dom_t;

typedef struct {             /* vm/<name>/spec */
    char name[XGC_NAME_MAX];
    double mem_mb, min_mhz;
    bool valid;              /* decodes and passes xgc_vm_spec_validate */
} xgc_soak_spec_t;

typedef struct {             /* plan/<host>/<vm> */
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    bool run;
    bool migrating;          /* `from` is set: arrives by live migration */
    int64_t round;
} xgc_soak_plan_t;

typedef struct {             /* a PM of the deployment */
    char name[XGC_NAME_MAX];
    double cpu_mhz, mem_mb;
    bool up;                 /* its pmd process runs and its link is up */
    bool alive;              /* pm/<host>/alive is present */
} xgc_soak_pm_t;

typedef struct {
    int64_t now_ms;
    const xgc_soak_pm_t *pms;     size_t pm_n;
    const xgc_soak_dom_t *doms;   size_t dom_n;
    bool doms_consistent;         /* the state files did not change while read */
    const xgc_soak_spec_t *specs; size_t spec_n;
    const xgc_soak_plan_t *plans; size_t plan_n;
    bool synced;                  /* the bus replica is consistent */
    bool leader;                  /* sched/leader present */
} xgc_soak_snap_t;

/* --- the checker ----------------------------------------------------------- */

typedef struct _xgc_soak_check_t xgc_soak_check_t;

/* grace_ms: age a spec needs before its VM is expected to run;
 * bound_ms: how long a transient problem may last. */
xgc_soak_check_t *xgc_soak_check_new(int64_t grace_ms, int64_t bound_ms);
void xgc_soak_check_destroy(xgc_soak_check_t **self_p);

/* Check one snapshot. Returns the number of new violations (their text:
 * xgc_soak_check_violation). *converged is true when no transient problem
 * is left; then why is "", else it names the first problem. */
int xgc_soak_check_run(xgc_soak_check_t *self, const xgc_soak_snap_t *snap,
                       bool *converged, char *why, size_t whylen);

/* Only the hypervisors' invariants (twice, mem) of a snapshot that need
 * only doms and pms — cheap enough to run every 100 ms, so that a short
 * overlap during a migration is not missed between full checks. */
int xgc_soak_check_hypervisors(xgc_soak_check_t *self, const xgc_soak_snap_t *snap);

/* Violations so far, oldest first: "t=12.3s twice: vm inj-0003 on pm1 and pm2". */
size_t xgc_soak_check_violations(const xgc_soak_check_t *self);
const char *xgc_soak_check_violation(const xgc_soak_check_t *self, size_t i);
/* Record a violation found by the shell (a death, a lost write). */
void xgc_soak_check_add(xgc_soak_check_t *self, int64_t now_ms, const char *kind,
                        const char *what);

/* --- statistics ------------------------------------------------------------ */

/* Memory growth of one process over its life: the median RSS of the last
 * quarter of samples over the median of the second quarter (the first
 * quarter is warm-up). Needs at least 8 samples, else returns 1. */
double xgc_soak_rss_growth(const double *rss_kb, size_t n);

/* Does growth (the ratio above, between medians a -> b in KB) mean a leak?
 * More than 25 % and more than 4 MB. */
bool xgc_soak_rss_leaks(const double *rss_kb, size_t n);

#endif
