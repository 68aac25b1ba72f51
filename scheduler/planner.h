/* planner — one planning round, from the view to the writes, without I/O.
 *
 * view → replan input → replan → desired plan → plandiff against the plan
 * the blackboard holds. The daemon executes the operations; `xgc plan
 * --dry-run` prints them; the tests check them. Pure (time is a parameter).
 */
#ifndef XGC_PLANNER_H
#define XGC_PLANNER_H

#include "scheduler/plandiff.h"
#include "scheduler/view.h"

typedef struct {
    xgc_view_round_t input;      /* what replan saw (names, states) */
    xgc_replan_result_t result;  /* per VM / PM, totals */
    xgc_plandiff_op_t *ops;      /* the writes, in order */
    size_t n_ops;
} xgc_planner_round_t;

/* Plan one round (`optimise`: also consolidate/rebalance). Remembers the
 * power-hold times in the view. 0, or -1 with the reason in err. */
int xgc_planner_run(xgc_view_t *view, const xgc_sched_config_t *cfg, int64_t now_ms,
                    int64_t round_no, bool optimise, xgc_planner_round_t *out,
                    char *err, size_t errlen);
void xgc_planner_round_free(xgc_planner_round_t *round);

/* The blackboard key an operation writes ("plan/<host>/<vm>" or
 * "pm/<host>/power"); 0 or -1 if it does not fit. */
int xgc_planner_op_key(const xgc_plandiff_op_t *op, char *key, size_t size);

/* Encode an operation's value (NULL/0 for a delete): 0 or -1 (OOM). */
int xgc_planner_op_value(const xgc_plandiff_op_t *op, void **data, size_t *len);

#endif
