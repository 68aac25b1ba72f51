/* xgc plan --dry-run — what a re-plan would change now, and why, without
 * writing anything: the same planner the scheduler runs (planner.h), on the
 * blackboard as it is. */
#include <stdio.h>
#include <string.h>

#include "xgc_log.h"
#include "scheduler/planner.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc plan --dry-run [-c FILE.yaml] [--no-optimise] [--all]\n"
    "Show the writes a planning round would make now and their reasons.\n"
    "  --no-optimise  a round as after an arrival (no consolidation)\n"
    "  --all          also list every VM's placement and reason\n";

static void s_print_op(const xgc_plandiff_op_t *op)
{
    const char *verb = xgc_plandiff_cmd_name(op->cmd);
    if (op->kind == XGC_PLANDIFF_POWER) {
        printf("  set    pm/%s/power = %s%s%s\n", op->power.host,
               xgc_power_name(op->power.state), op->power.reason[0] ? "  # " : "",
               op->power.reason);
        return;
    }
    const xgc_plan_entry_t *e = &op->entry;
    if (op->kind == XGC_PLANDIFF_DELETE) {
        printf("  delete plan/%s/%s%s%s\n", e->host, e->vm, *verb ? "  # " : "", verb);
        return;
    }
    printf("  set    plan/%s/%s = %s cap %.0f weight %g%s%s  # %s%s%s\n", e->host, e->vm,
           xgc_plan_state_name(e->state), e->cap_mhz, e->weight, e->from[0] ? " from " : "",
           e->from, *verb ? verb : "update", e->reason[0] ? ": " : "", e->reason);
}

XGC_COMMAND(plan, "show what a re-plan would change and why (plan --dry-run)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    bool dry = false, optimise = true, all = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) dry = true;
        else if (!strcmp(argv[i], "--no-optimise")) optimise = false;
        else if (!strcmp(argv[i], "--all")) all = true;
        else {
            fprintf(stderr, "xgc plan: unknown option '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    if (!dry) {
        fprintf(stderr, "xgc plan: only --dry-run (the scheduler plans by itself)\n%s", s_usage);
        xgc_config_destroy(&cfg);
        return 2;
    }
    xgc_sched_config_t sc;
    char err[512];
    if (xgc_sched_cli_config(cfg, &sc, "plan")) {
        xgc_config_destroy(&cfg);
        return 2;
    }
    int64_t now = xgc_log_now_ms();
    xgc_bus_t *bus = xgc_cli_connect(cfg, "plan");
    xgc_view_t *view = xgc_sched_cli_view(bus, cfg, "plan", now);
    xgc_planner_round_t r;
    int rc = 1;
    if (view && xgc_planner_run(view, &sc, now, 0, optimise, &r, err, sizeof err) == 0) {
        const xgc_replan_result_t *res = &r.result;
        printf("dry run (%s, %s): %zu VMs on %zu PMs; %zu writes; placed %d, unplaced %d, "
               "migrations %d, PMs on %d, utility %.1f, power cost %.1f, net %.1f%s\n",
               xgc_place_algorithm_name(sc.replan.algo), optimise ? "optimising" : "incremental",
               r.input.n_vms, r.input.n_pms, r.n_ops, res->placed, res->unplaced,
               res->migrations, res->pms_on, res->utility, res->power_cost, res->net,
               res->pending ? " (more next round)" : "");
        for (size_t i = 0; i < r.n_ops; i++)
            s_print_op(&r.ops[i]);
        for (size_t v = 0; all && v < r.input.n_vms; v++) {
            int h = res->vms[v].host;
            printf("  %-16s %-12s %-12s %s\n", r.input.vms[v].spec.name,
                   h >= 0 ? r.input.pms[h].spec.name : "-", xgc_replan_why_name(res->vms[v].why),
                   res->vms[v].reason);
        }
        xgc_planner_round_free(&r);
        rc = 0;
    } else if (view) {
        fprintf(stderr, "xgc plan: %s\n", err);
    }
    xgc_view_destroy(&view);
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
