/* policy_bridge — xgc's migration planner (scheduler/policy/migrate.c) on
 * the scheduler's own view of the cluster.
 *
 * Why: the daemon (replan, with `scheduler: {policy: consolidate}`) and
 * `xgc sim`'s xgc policy must decide migrations with the same code. Both
 * describe their cluster as replan does (xgc_replan_pm_t, xgc_replan_vm_t
 * with the VMs' observed demand in .load); this function turns that into
 * migrate.h's view, plans one round and hands back the moves in the
 * caller's indices. Translation, in one place:
 *  - a PM's capacity = cpu_mhz, one core = cpu_mhz / cores, its linear
 *    power model = its power at 0 % and 100 % (xgc_power_watts), memory =
 *    mem_mb (0 = not a constraint); a PM without VMs (off, or on hold
 *    before its power-off) is asleep: woken only if nothing awake fits;
 *    draining, failed and fenced PMs are left out: never a destination, and
 *    their VMs are not moved from here (replan evacuates or waits);
 *  - a VM's estimate and mean are capped at its cap, its spread and last
 *    sample taken as observed; nothing observed yet = it uses its
 *    guaranteed minimum (what placement packed it by: a new VM alone does
 *    not make its PM look overloaded); move
 *    cost = its memory; a VM in flight counts on its PM but is pinned;
 *  - time: a VM's last move (0 = never) is whole rounds of round_ms before
 *    now_ms, so migrate.c's cooldown and no-return rules (in rounds) become
 *    multiples of round_ms.
 * Pure: no I/O, no clock, no globals.
 */
#ifndef XGC_POLICY_BRIDGE_H
#define XGC_POLICY_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "scheduler/policy/demand.h"
#include "scheduler/replan.h"

/* Plans one round at now_ms: writes at most max_out moves (vm, from, to in
 * the caller's indices; relief set for relief) and returns their number, or
 * -1 (bad arguments, out of memory). `plan` as migrate.h; round_ms > 0. */
int xgc_bridge_plan(const xgc_plan_params_t *plan, int64_t round_ms, int64_t now_ms,
                    const xgc_replan_pm_t *pms, size_t n_pms,
                    const xgc_replan_vm_t *vms, size_t n_vms,
                    xgc_plan_move_t *moves, int max_out);

/* The planner's view of one PM, and of one VM (pm -1, no last move): for
 * callers that also place with xgc_plan_place (xgc sim's start). */
xgc_plan_pm_t xgc_bridge_pm_view(const xgc_replan_pm_t *pm);
xgc_plan_vm_t xgc_bridge_vm_view(const xgc_replan_vm_t *vm);

/* A VM's observed demand from its estimator into load (samples, estimate,
 * mean, spread, last sample; its cap and origin are left as they are): how
 * the daemon, `xgc plan --observe` and xgc sim fill replan's load. */
void xgc_bridge_observed(xgc_replan_load_t *load, const xgc_demand_t *demand);

#endif
