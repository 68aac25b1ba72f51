/* xgc plan --dry-run — what a re-plan would change now, and why, without
 * writing anything: the same planner the scheduler runs (planner.h), on the
 * blackboard as it is.
 *
 * The scheduler also plans on each VM's observed demand (metric.vm.*
 * through its estimator, policy/demand.h), a history a one-shot client does
 * not have. `--observe SECONDS` first listens to metric.vm.* that long and
 * feeds the same estimators, with the deployment's demand parameters, the
 * same way (view.h's xgc_view_set_observed); the output says how
 * many samples each VM had. The daemon's history is longer (window,
 * warm-up): a short observation may still differ from it. */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "xgc_log.h"
#include "xgc_msg.h"
#include "scheduler/planner.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc plan --dry-run [-c FILE.yaml] [--no-optimise] [--all] [--observe SECONDS]\n"
    "Show the writes a planning round would make now and their reasons.\n"
    "  --no-optimise      a round as after an arrival (no consolidation)\n"
    "  --all              also list every VM's placement and reason\n"
    "  --observe SECONDS  first feed metric.vm.* to the demand estimators that long\n"
    "                     (as the scheduler does); without it every VM counts at\n"
    "                     its spec (policy consolidate: at its min_mhz)\n";

/* --observe: one estimator per VM name, fed from metric.vm.* events. */
typedef struct {
    zhashx_t *est;                   /* vm name -> xgc_demand_t* */
    const xgc_demand_params_t *params;
} s_observer_t;

static void s_on_event(void *arg, const char *topic, const uint8_t *data, size_t len)
{
    s_observer_t *o = arg;
    xgc_metric_vm_t m;
    char err[256];
    if (strncmp(topic, "metric.vm.", 10)
        || xgc_msg_metric_vm_decode(data, len, &m, err, sizeof err) < 0)
        return;
    xgc_demand_t *d = xgc_view_estimator(o->est, m.vm, o->params);
    if (d)
        xgc_demand_observe(d, m.cpu_mhz);
}

/* Listen to metric.vm.* for ms: 0, or -1 (bus). */
static int s_observe(xgc_bus_t *bus, s_observer_t *o, int64_t ms)
{
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.event = s_on_event}, o);
    if (xgc_bus_subscribe(bus, "metric.vm.") < 0)
        return -1;
    int64_t end = xgc_log_now_ms() + ms;
    for (int64_t left = ms; left > 0; left = end - xgc_log_now_ms())
        if (xgc_bus_poll(bus, (int)(left < 100 ? left : 100)) < 0)
            return -1;
    return 0;
}

/* The observed VMs' demand into the view, as the daemon sets it. */
static void s_observed_into(xgc_view_t *view, s_observer_t *o)
{
    for (xgc_demand_t *d = zhashx_first(o->est); d; d = zhashx_next(o->est)) {
        const char *vm = zhashx_cursor(o->est);
        if (xgc_view_spec(view, vm))
            xgc_view_set_observed(view, vm, d);
    }
}

/* The blackboard's view, after observing metric.vm.* for observe_s (if
 * > 0) into it; NULL after printing why. */
static xgc_view_t *s_view(xgc_bus_t *bus, const xgc_config_t *cfg,
                          const xgc_sched_config_t *sc, double observe_s)
{
    s_observer_t obs = {xgc_view_estimators_new(), &sc->demand};
    xgc_view_t *view = NULL;
    if (!obs.est) {
        fprintf(stderr, "xgc plan: out of memory\n");
        return NULL;
    }
    if (observe_s > 0 && s_observe(bus, &obs, (int64_t)(observe_s * 1000)) < 0)
        xgc_cli_unreachable(cfg, "plan");
    else if ((view = xgc_sched_cli_view(bus, cfg, "plan", xgc_log_now_ms())))
        s_observed_into(view, &obs);
    zhashx_destroy(&obs.est);
    return view;
}

/* What the round knew of the VMs' demand, in one line. */
static void s_print_demand(const xgc_planner_round_t *r, const xgc_sched_config_t *sc,
                           double observed_s)
{
    if (!sc->demand_enabled)
        return;
    if (observed_s <= 0) {
        printf("demand: not observed (a one-shot client has no history): every VM at its spec%s;"
               " --observe SECONDS samples metric.vm.* first\n",
               sc->replan.policy == XGC_REPLAN_POLICY_CONSOLIDATE ? " (consolidate: its min_mhz)"
                                                                   : "");
        return;
    }
    size_t with = 0;
    int lo = 0, hi = 0;
    for (size_t v = 0; v < r->input.n_vms; v++) {
        int n = r->input.vms[v].load.samples;
        if (n <= 0)
            continue;
        lo = with == 0 || n < lo ? n : lo;
        hi = n > hi ? n : hi;
        with++;
    }
    printf("demand: observed metric.vm.* for %.1f s: %zu of %zu VMs with samples (%d-%d each;"
           " window %d, warmup %d)%s\n", observed_s, with, r->input.n_vms, lo, hi,
           sc->demand.window, sc->demand.warmup,
           with < r->input.n_vms ? "; the others at their spec" : "");
}

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
    double observe_s = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) dry = true;
        else if (!strcmp(argv[i], "--no-optimise")) optimise = false;
        else if (!strcmp(argv[i], "--all")) all = true;
        else if (!strcmp(argv[i], "--observe")) {
            if (xgc_sched_cli_number("plan", "--observe", i + 1 < argc ? argv[i + 1] : NULL,
                                     0.1, 3600, &observe_s) < 0) {
                xgc_config_destroy(&cfg);
                return 2;
            }
            i++;
        } else {
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
    if (observe_s > 0 && !sc.demand_enabled) {
        fprintf(stderr, "xgc plan: --observe: scheduler.demand.enabled is false (the scheduler"
                        " ignores metrics)\n");
        xgc_config_destroy(&cfg);
        return 2;
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "plan");
    xgc_view_t *view = s_view(bus, cfg, &sc, observe_s);
    int64_t now = xgc_log_now_ms();
    xgc_planner_round_t r;
    int rc = 1;
    if (view && xgc_planner_run(view, &sc, now, 0, optimise, &r, err, sizeof err) == 0) {
        const xgc_replan_result_t *res = &r.result;
        printf("dry run (%s, policy %s, %s): %zu VMs on %zu PMs; %zu writes; placed %d, "
               "unplaced %d, migrations %d, PMs on %d, utility %.1f, power cost %.1f, net %.1f%s\n",
               xgc_place_algorithm_name(sc.replan.algo), xgc_replan_policy_name(sc.replan.policy),
               optimise ? "optimising" : "incremental",
               r.input.n_vms, r.input.n_pms, r.n_ops, res->placed, res->unplaced,
               res->migrations, res->pms_on, res->utility, res->power_cost, res->net,
               res->pending ? " (more next round)" : "");
        s_print_demand(&r, &sc, observe_s);
        for (size_t i = 0; i < r.n_ops; i++)
            s_print_op(&r.ops[i]);
        for (size_t v = 0; all && v < r.input.n_vms; v++) {
            int h = res->vms[v].host;
            const xgc_replan_load_t *l = &r.input.vms[v].load;
            printf("  %-16s %-12s %-12s %s", r.input.vms[v].spec.name,
                   h >= 0 ? r.input.pms[h].spec.name : "-", xgc_replan_why_name(res->vms[v].why),
                   res->vms[v].reason);
            if (l->samples > 0)
                printf("  [%d samples: estimate %.0f MHz, last %.0f]", l->samples, l->estimate,
                       l->last);
            printf("\n");
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
