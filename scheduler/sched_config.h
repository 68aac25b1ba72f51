/* sched_config — the `scheduler:` and `metrics:` sections of a deployment.
 *
 *   scheduler:
 *     algorithm: pemm            # bs | gm | gmm | emm | pemm | xgc
 *     policy: pemm               # load-driven moves: pemm | consolidate (docs/scheduler.md)
 *     debounce_ms: 20            # changes are batched this long before a round
 *     optimise_interval_ms: 10000 # consolidation/rebalancing rounds
 *     retry_ms: 1000             # next round while budgeted work is pending
 *     max_migrations: 4          # per round
 *     max_per_pm: 2              # per PM per round, in + out + under way (0 = no limit)
 *     cooldown_ms: 60000         # a VM moved less than this ago stays
 *     gain_margin: 1.0           # Net a migration must gain (utility units)
 *     power_off_hold_ms: 30000   # an empty PM stays on this long
 *     boot_grace_ms: 120000      # a PM switched on counts as up this long before its heartbeat
 *     lease_ms: 3000             # sched/leader lease (standby takes over after it)
 *     fence_command: ""          # run as `sh -c CMD HOST`; "" = trust the pmd's lease
 *     fence_grace_ms: 0          # extra wait after the pmd's lease ran out
 *     power_on_command: ""       # "" = the power key only (sim)
 *     power_off_command: ""
 *     instances: 1               # schedulers `xgc up` starts (one leads, the others stand by)
 *     pmd_args: ""               # extra arguments `xgc up` gives every xgc-pmd
 *     demand:                    # effective demand from metrics (policy/demand.h)
 *       enabled: true
 *       window: 12
 *       quantile: 0.9
 *       alpha: 0.3
 *       headroom: 0.1
 *       warmup: 3
 *       threshold: 0.1           # re-plan when a VM's demand moves by this share of its max
 *     consolidate:               # policy consolidate: migrate.c's parameters, named as in
 *       target: 1.0              # `xgc sim --policy xgc:key=v` (scheduler/policy/params.h);
 *       underload: 0.8           # rounds keys as durations: cooldown_ms, no_return_ms,
 *       cooldown_ms: 120000      # rounded up to optimise rounds (default 12 and 72 rounds)
 *   metrics:
 *     listen: 127.0.0.1:9464     # Prometheus text over HTTP; absent = off
 *
 * Every key is optional; unknown keys and bad values are refused with
 * file:line:col and the field.
 */
#ifndef XGC_SCHED_CONFIG_H
#define XGC_SCHED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_yaml.h"
#include "scheduler/policy/demand.h"
#include "scheduler/replan.h"

#define XGC_SCHED_CMD_MAX 256

typedef struct {
    xgc_replan_params_t replan;  /* algorithm, budgets, cooldown, margin, hold */
    int64_t debounce_ms, optimise_interval_ms, retry_ms;
    int64_t boot_grace_ms, lease_ms, fence_grace_ms;
    char fence_command[XGC_SCHED_CMD_MAX];
    char power_on_command[XGC_SCHED_CMD_MAX];
    char power_off_command[XGC_SCHED_CMD_MAX];
    int instances;               /* for xgc up */
    char pmd_args[XGC_SCHED_CMD_MAX];
    bool demand_enabled;
    xgc_demand_params_t demand;
    double demand_threshold;
    char metrics_listen[64];     /* "host:port" or "" */
} xgc_sched_config_t;

void xgc_sched_config_default(xgc_sched_config_t *c);

/* Read the sections (either may be NULL: defaults). 0, or -1 with
 * "file:line:col: field 'x': reason" in err. */
int xgc_sched_config_load(xgc_sched_config_t *c, const xgc_yaml_node_t *scheduler,
                          const xgc_yaml_node_t *metrics, char *err, size_t errlen);

#endif
