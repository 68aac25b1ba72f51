/* plandiff — from a desired placement to the fewest writes on the blackboard.
 *
 * The scheduler never rewrites the whole plan: after each round it compares
 * the desired entries (one per placed VM, plus the desired power state of
 * each PM) with the keys currently under `plan/` and `pm/<host>/power`, and
 * issues only what differs: writes of new or changed entries, deletions of
 * entries no longer wanted, and one command event per change (`create`,
 * `migrate`, `adjust`, `destroy`) so that an operator following the bus sees
 * what the plan asks of each pmd and why. Pure: no I/O, deterministic order.
 *
 * Keys are plan/<host>/<vm>. A VM moves by a write of plan/<new>/<vm> with
 * `from` = <old> and a delete of plan/<old>/<vm> (the old pmd then sees the
 * VM assigned elsewhere and live-migrates it, see DESIGN.md's reconcile
 * table); a departure is a delete; a VM that has to be stopped while its
 * spec remains is written with state stop.
 */
#ifndef XGC_PLANDIFF_H
#define XGC_PLANDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_state.h"

typedef enum {
    XGC_PLANDIFF_WRITE,          /* set plan/<host>/<vm> to entry */
    XGC_PLANDIFF_DELETE,         /* delete plan/<host>/<vm> */
    XGC_PLANDIFF_POWER           /* set pm/<host>/power to power */
} xgc_plandiff_kind_t;

typedef enum {
    XGC_CMD_NONE, XGC_CMD_CREATE, XGC_CMD_MIGRATE, XGC_CMD_ADJUST,
    XGC_CMD_DESTROY, XGC_CMD_POWER_ON, XGC_CMD_POWER_OFF
} xgc_plandiff_cmd_t;

/* One operation. For a command event, cmd_host is the PM it concerns (the
 * destination of a create / adjust / migrate, the PM that stops a destroyed
 * VM), so the topic is cmd.<cmd_host>.<verb>. */
typedef struct {
    xgc_plandiff_kind_t kind;
    xgc_plan_entry_t entry;      /* WRITE: the new value; DELETE: the old one */
    xgc_power_state_t power;     /* POWER */
    xgc_plandiff_cmd_t cmd;      /* event to publish, or XGC_CMD_NONE */
    char cmd_host[XGC_NAME_MAX];
} xgc_plandiff_op_t;

/* Diff desired vs current plan entries (xgc_state.h; `round` and `reason`
 * are informative and never by themselves cause a write). Each list may
 * come in any order; each (host, vm) key must appear at most once per list and each VM at most once in
 * `desired`. Power lists: desired power states (only PMs listed are
 * considered) vs current ones. Fills *ops (allocated, caller frees with
 * free()) and *n_ops; operations come sorted: deletes of moved/departed VMs
 * after the writes that replace them, so that a VM is never without an
 * entry in the middle of a move. Returns 0, or -1 on allocation failure or
 * a duplicate (reason in err). */
int xgc_plandiff_compute(const xgc_plan_entry_t *desired, size_t n_desired,
                         const xgc_plan_entry_t *current, size_t n_current,
                         const xgc_power_state_t *want_power, size_t n_want,
                         const xgc_power_state_t *cur_power, size_t n_cur,
                         xgc_plandiff_op_t **ops, size_t *n_ops,
                         char *err, size_t errlen);

/* True when two entries ask the same of their pmd (state, cap, weight,
 * from; round and reason aside): no write needed. */
bool xgc_plandiff_same(const xgc_plan_entry_t *a, const xgc_plan_entry_t *b);

/* "create", "migrate", "adjust", "destroy", "power_on", "power_off", or "". */
const char *xgc_plandiff_cmd_name(xgc_plandiff_cmd_t cmd);

#endif
