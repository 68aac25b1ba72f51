/* xgc status — the cluster at a glance: PMs (state, power, load, VMs), VMs
 * (desired and actual PM, allocation, state), operations under way, and
 * the totals of the scheduler's last round (sched/stats). As text, one
 * JSON object (--json), CSV (--csv), or one totals line (--line, --totals). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_json.h"
#include "xgc_log.h"
#include "xgc_msg.h"
#include "scheduler/sched_metrics.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc status [-c FILE.yaml] [--json | --csv | --line | --totals [--header]]\n"
    "  --json    one object: pms [name, state, power, cpu_mhz, mem_mb, load, vms],\n"
    "            vms [name, state, desired_pm, actual_pm, min_mhz, max_mhz, shares,\n"
    "            alloc_mhz], operations, totals\n"
    "  --csv     PM rows then VM rows, each with a header\n"
    "  --line    one human line of totals (for live displays)\n"
    "  --totals  one CSV line: time_s,vms,placed,unplaced,pms_on,utility,power_cost,\n"
    "            net,power_w,migrations (--header: the header line first)\n";

typedef struct {
    xgc_view_round_t r;
    const xgc_vm_actual_t **actual;   /* per VM: where it runs (or is being made) */
    double *load;                     /* per PM: Σ alloc / capacity */
    int *vms_on;                      /* per PM: VMs planned */
    json_t *totals;
} s_status_t;

static int s_by_vm(const void *a, const void *b)
{
    return strcmp((*(const xgc_vm_actual_t *const *)a)->vm, (*(const xgc_vm_actual_t *const *)b)->vm);
}

static void s_collect_actual(void *arg, const xgc_vm_actual_t *a)
{
    zlistx_t *l = arg;
    zlistx_add_end(l, (void *)a);
}

/* Each PM's load as planned: what water filling gives its VMs (a replan
 * round that may move nothing) over its capacity. */
static int s_planned_load(s_status_t *st)
{
    xgc_replan_params_t p;
    xgc_replan_result_t res;
    char err[256];
    xgc_replan_params_default(&p);
    p.max_migrations = 0;
    if (xgc_replan_run(st->r.pms, st->r.n_pms, st->r.vms, st->r.n_vms, &p, 0, &res, err,
                       sizeof err) < 0)
        return -1;
    for (size_t v = 0; v < st->r.n_vms; v++) {
        int j = st->r.vms[v].host;
        if (j >= 0 && st->r.pms[j].spec.cpu_mhz > 0)
            st->load[j] += res.vms[v].alloc_mhz / st->r.pms[j].spec.cpu_mhz;
    }
    xgc_replan_result_free(&res);
    return 0;
}

/* Match each VM with its actual entry (prefer running) and sum PM loads. */
static int s_build(s_status_t *st, xgc_view_t *view)
{
    xgc_view_round_t *r = &st->r;
    st->actual = calloc(r->n_vms + 1, sizeof *st->actual);
    st->load = calloc(r->n_pms + 1, sizeof *st->load);
    st->vms_on = calloc(r->n_pms + 1, sizeof *st->vms_on);
    zlistx_t *all = zlistx_new();
    if (!st->actual || !st->load || !st->vms_on || !all) {
        zlistx_destroy(&all);
        return -1;
    }
    xgc_view_each_actual(view, s_collect_actual, all);
    size_t n = zlistx_size(all), k = 0;
    const xgc_vm_actual_t **arr = malloc((n + 1) * sizeof *arr);
    for (void *a = zlistx_first(all); a && arr; a = zlistx_next(all))
        arr[k++] = a;
    zlistx_destroy(&all);
    if (!arr)
        return -1;
    qsort(arr, n, sizeof *arr, s_by_vm);
    for (size_t v = 0, i = 0; v < r->n_vms; v++) {
        while (i < n && strcmp(arr[i]->vm, r->vms[v].spec.name) < 0)
            i++;
        for (size_t j = i; j < n && !strcmp(arr[j]->vm, r->vms[v].spec.name); j++)
            if (!st->actual[v] || arr[j]->state == XGC_VM_RUNNING)
                st->actual[v] = arr[j];
        if (r->vms[v].host >= 0)
            st->vms_on[r->vms[v].host]++;
    }
    free(arr);
    return s_planned_load(st);
}

static const char *s_vm_state(const s_status_t *st, size_t v)
{
    if (st->actual[v])
        return xgc_vm_state_name(st->actual[v]->state);
    return st->r.vms[v].host >= 0 ? "planned" : "unplaced";
}

static const char *s_power(const s_status_t *st, size_t j)
{
    xgc_replan_pm_state_t s = st->r.pms[j].state;
    return s == XGC_REPLAN_PM_OFF || s == XGC_REPLAN_PM_FENCED ? "off" : "on";
}

static double s_total(const s_status_t *st, const char *key)
{
    json_t *v = st->totals ? json_object_get(st->totals, key) : NULL;
    return v ? json_number_value(v) : 0;
}

static json_t *s_json(const s_status_t *st)
{
    const xgc_view_round_t *r = &st->r;
    json_t *pms = json_array(), *vms = json_array(), *ops = json_array();
    for (size_t j = 0; j < r->n_pms; j++) {
        json_t *names = json_array();
        for (size_t v = 0; v < r->n_vms; v++)
            if (r->vms[v].host == (int)j)
                json_array_append_new(names, json_string(r->vms[v].spec.name));
        json_array_append_new(pms, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:o}",
            "name", r->pms[j].spec.name, "state", xgc_replan_pm_state_name(r->pms[j].state),
            "power", s_power(st, j), "cpu_mhz", r->pms[j].spec.cpu_mhz,
            "mem_mb", r->pms[j].spec.mem_mb, "load", st->load[j], "vms", names));
    }
    for (size_t v = 0; v < r->n_vms; v++) {
        const xgc_vm_actual_t *a = st->actual[v];
        const xgc_vm_spec_t *spec = &r->vms[v].spec;
        int h = r->vms[v].host;
        json_array_append_new(vms, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f}",
            "name", spec->name, "state", s_vm_state(st, v),
            "desired_pm", h >= 0 ? r->pms[h].spec.name : "", "actual_pm", a ? a->host : "",
            "min_mhz", spec->min_mhz, "max_mhz", r->cap_mhz[v], "shares", spec->shares,
            "alloc_mhz", a ? a->alloc_mhz : 0.0));
        if (a && a->state != XGC_VM_RUNNING)
            json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:I}", "vm", spec->name,
                "host", a->host, "state", xgc_vm_state_name(a->state), "since_ms",
                (json_int_t)a->since_ms));
    }
    json_t *totals = st->totals ? json_deep_copy(st->totals) : json_object();
    return json_pack("{s:o, s:o, s:o, s:o}", "pms", pms, "vms", vms, "operations", ops,
                     "totals", totals);
}

static void s_print_text(const s_status_t *st)
{
    const xgc_view_round_t *r = &st->r;
    printf("%-16s %-9s %-5s %9s %9s %6s %5s\n", "PM", "STATE", "POWER", "CPU_MHZ", "MEM_MB",
           "LOAD", "VMS");
    for (size_t j = 0; j < r->n_pms; j++)
        printf("%-16s %-9s %-5s %9.0f %9.0f %5.0f%% %5d\n", r->pms[j].spec.name,
               xgc_replan_pm_state_name(r->pms[j].state), s_power(st, j),
               r->pms[j].spec.cpu_mhz, r->pms[j].spec.mem_mb, 100 * st->load[j], st->vms_on[j]);
    printf("\n%-16s %-13s %-12s %-12s %7s %7s %7s %8s\n", "VM", "STATE", "DESIRED", "ACTUAL",
           "MIN", "MAX", "SHARES", "ALLOC");
    for (size_t v = 0; v < r->n_vms; v++) {
        const xgc_vm_actual_t *a = st->actual[v];
        int h = r->vms[v].host;
        printf("%-16s %-13s %-12s %-12s %7.0f %7.0f %7g %8.0f\n", r->vms[v].spec.name,
               s_vm_state(st, v), h >= 0 ? r->pms[h].spec.name : "-", a ? a->host : "-",
               r->vms[v].spec.min_mhz, r->cap_mhz[v], r->vms[v].spec.shares,
               a ? a->alloc_mhz : 0.0);
    }
    printf("\noperations under way:");
    int ops = 0;
    for (size_t v = 0; v < r->n_vms; v++)
        if (st->actual[v] && st->actual[v]->state != XGC_VM_RUNNING)
            printf("%s %s %s on %s", ops++ ? "," : "", r->vms[v].spec.name,
                   xgc_vm_state_name(st->actual[v]->state), st->actual[v]->host);
    printf("%s\n", ops ? "" : " none");
}

static void s_print_csv(const s_status_t *st)
{
    const xgc_view_round_t *r = &st->r;
    printf("pm,name,state,power,cpu_mhz,mem_mb,load,vms\n");
    for (size_t j = 0; j < r->n_pms; j++)
        printf("pm,%s,%s,%s,%.0f,%.0f,%.4f,%d\n", r->pms[j].spec.name,
               xgc_replan_pm_state_name(r->pms[j].state), s_power(st, j),
               r->pms[j].spec.cpu_mhz, r->pms[j].spec.mem_mb, st->load[j], st->vms_on[j]);
    printf("vm,name,state,desired_pm,actual_pm,min_mhz,max_mhz,shares,alloc_mhz\n");
    for (size_t v = 0; v < r->n_vms; v++) {
        const xgc_vm_actual_t *a = st->actual[v];
        int h = r->vms[v].host;
        printf("vm,%s,%s,%s,%s,%.0f,%.0f,%g,%.1f\n", r->vms[v].spec.name, s_vm_state(st, v),
               h >= 0 ? r->pms[h].spec.name : "", a ? a->host : "", r->vms[v].spec.min_mhz,
               r->cap_mhz[v], r->vms[v].spec.shares, a ? a->alloc_mhz : 0.0);
    }
}

/* Totals: VMs from the view, the rest from the scheduler's sched/stats. */
static void s_print_totals(const s_status_t *st, bool csv, bool header)
{
    size_t placed = 0, running = 0;
    for (size_t v = 0; v < st->r.n_vms; v++) {
        placed += st->r.vms[v].host >= 0;
        running += st->actual[v] && st->actual[v]->state == XGC_VM_RUNNING;
    }
    double t = (double)xgc_log_now_ms() / 1000.0;
    if (csv) {
        if (header)
            printf("time_s,vms,placed,running,pms_on,utility,power_cost,net,power_w,migrations\n");
        printf("%.3f,%zu,%zu,%zu,%.0f,%.3f,%.3f,%.3f,%.1f,%.0f\n", t, st->r.n_vms, placed,
               running, s_total(st, "pms_on"), s_total(st, "utility"), s_total(st, "power_cost"),
               s_total(st, "net"), s_total(st, "power_w"), s_total(st, "migrations"));
        return;
    }
    printf("VMs %zu (placed %zu, running %zu) | PMs on %.0f/%zu | utility %.1f | power cost %.1f "
           "| net %.1f | %.0f W | migrations %.0f\n", st->r.n_vms, placed, running,
           s_total(st, "pms_on"), st->r.n_pms, s_total(st, "utility"), s_total(st, "power_cost"),
           s_total(st, "net"), s_total(st, "power_w"), s_total(st, "migrations"));
}

static json_t *s_stats(xgc_bus_t *bus)
{
    size_t len;
    const uint8_t *v = xgc_bus_get(bus, XGC_SCHED_STATS_KEY, &len, NULL);
    char err[128];
    return v ? xgc_json_from_msgpack(v, len, err, sizeof err) : NULL;
}

XGC_COMMAND(status, "PMs, VMs, operations, utility and power (status [--json|--csv|--line])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    enum { TEXT, JSON, CSV, LINE, TOTALS } fmt = TEXT;
    bool header = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) fmt = JSON;
        else if (!strcmp(argv[i], "--csv")) fmt = CSV;
        else if (!strcmp(argv[i], "--line")) fmt = LINE;
        else if (!strcmp(argv[i], "--totals")) fmt = TOTALS;
        else if (!strcmp(argv[i], "--header")) header = true;
        else {
            fprintf(stderr, "xgc status: unknown option '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    xgc_sched_config_t sc;
    s_status_t st = {0};
    int rc = 1;
    if (xgc_sched_cli_config(cfg, &sc, "status")) {
        xgc_config_destroy(&cfg);
        return 2;
    }
    int64_t now = xgc_log_now_ms();
    xgc_bus_t *bus = xgc_cli_connect(cfg, "status");
    xgc_view_t *view = xgc_sched_cli_view(bus, cfg, "status", now);
    if (view && xgc_view_round(view, &sc, now, &st.r) == 0 && s_build(&st, view) == 0) {
        st.totals = s_stats(bus);
        rc = 0;
        if (fmt == JSON) {
            json_t *o = s_json(&st);
            json_dumpf(o, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
            printf("\n");
            json_decref(o);
        } else if (fmt == CSV) {
            s_print_csv(&st);
        } else if (fmt == LINE || fmt == TOTALS) {
            s_print_totals(&st, fmt == TOTALS, header);
        } else {
            s_print_text(&st);
            printf("\n");
            s_print_totals(&st, false, false);
        }
    }
    json_decref(st.totals);
    free(st.actual);
    free(st.load);
    free(st.vms_on);
    xgc_view_round_free(&st.r);
    xgc_view_destroy(&view);
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
