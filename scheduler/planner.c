/* planner — see planner.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_msg.h"
#include "scheduler/planner.h"

int xgc_planner_run(xgc_view_t *view, const xgc_sched_config_t *cfg, int64_t now_ms,
                    int64_t round_no, bool optimise, xgc_planner_round_t *out,
                    char *err, size_t errlen)
{
    xgc_replan_params_t params = cfg->replan;
    xgc_plan_entry_t *want = NULL, *cur = NULL;
    xgc_power_state_t *want_power = NULL, *cur_power = NULL;
    size_t nw, nc, nwp, ncp;
    int rc = -1;
    memset(out, 0, sizeof *out);
    params.optimise = optimise;
    if (xgc_view_round(view, cfg, now_ms, &out->input) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (xgc_replan_run(out->input.pms, out->input.n_pms, out->input.vms, out->input.n_vms,
                       &params, now_ms, &out->result, err, errlen) < 0)
        goto done;
    if (xgc_view_desired(view, &out->input, &out->result, round_no, &want, &nw,
                         &want_power, &nwp) < 0
        || xgc_view_current(view, &cur, &nc, &cur_power, &ncp) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (xgc_plandiff_compute(want, nw, cur, nc, want_power, nwp, cur_power, ncp,
                             &out->ops, &out->n_ops, err, errlen) < 0)
        goto done;
    xgc_view_keep_power_times(view, &out->input, &out->result);
    rc = 0;
done:
    free(want);
    free(cur);
    free(want_power);
    free(cur_power);
    if (rc < 0)
        xgc_planner_round_free(out);
    return rc;
}

void xgc_planner_round_free(xgc_planner_round_t *round)
{
    xgc_view_round_free(&round->input);
    xgc_replan_result_free(&round->result);
    free(round->ops);
    memset(round, 0, sizeof *round);
}

int xgc_planner_op_key(const xgc_plandiff_op_t *op, char *key, size_t size)
{
    int n = op->kind == XGC_PLANDIFF_POWER
                ? snprintf(key, size, XGC_KEY_PM_POWER, op->power.host)
                : snprintf(key, size, XGC_KEY_PLAN, op->entry.host, op->entry.vm);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int xgc_planner_op_value(const xgc_plandiff_op_t *op, void **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    switch (op->kind) {
    case XGC_PLANDIFF_WRITE:
        return xgc_msg_plan_entry_encode(&op->entry, data, len);
    case XGC_PLANDIFF_POWER:
        return xgc_msg_power_state_encode(&op->power, data, len);
    default:
        return 0;
    }
}
