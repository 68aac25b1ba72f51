/* Unit tests of scheduler/view: blackboard changes → replan input → plan. */
#include <stdlib.h>

#include "xgc_msg.h"
#include "scheduler/planner.h"
#include "tests/unit/xgc_test.h"

static xgc_view_t *view;
static xgc_sched_config_t cfg;
static char err[256];

#define APPLY(key, encode, value)                                            \
    ({                                                                       \
        void *d_;                                                            \
        size_t n_;                                                           \
        encode(value, &d_, &n_);                                             \
        xgc_view_change_t c_ = xgc_view_apply(view, key, d_, n_, now, err, sizeof err); \
        free(d_);                                                            \
        c_;                                                                  \
    })

static int64_t now = 1000000;

static xgc_view_change_t s_spec(const char *name, double min, double max)
{
    xgc_vm_spec_t s = {.min_mhz = min, .max_mhz = max, .shares = 1, .mem_mb = 256,
                       .utility_min = 1, .utility_max = 2};
    char key[128];
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(key, sizeof key, "vm/%s/spec", name);
    return APPLY(key, xgc_msg_vm_spec_encode, &s);
}

static void s_pm(const char *name)
{
    xgc_pm_spec_t p = {.cpu_mhz = 4000, .mem_mb = 4096, .power_cost = 1,
                       .power = {.idle_w = 100, .peak_w = 200}};
    xgc_heartbeat_t hb = {.ts_ms = now, .pid = 1, .lease_ms = 3000};
    char key[128];
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.driver, sizeof p.driver, "sim");
    snprintf(hb.host, sizeof hb.host, "%s", name);
    snprintf(key, sizeof key, "pm/%s/info", name);
    CHECK(APPLY(key, xgc_msg_pm_spec_encode, &p) == XGC_VIEW_PM_JOIN);
    snprintf(key, sizeof key, "pm/%s/alive", name);
    CHECK(APPLY(key, xgc_msg_heartbeat_encode, &hb) == XGC_VIEW_PM_JOIN);
}

/* One round through the planner; ops applied back as the broker would echo
 * them. Returns the number of ops. */
static size_t s_round(bool optimise, xgc_plandiff_op_t **ops_out)
{
    xgc_planner_round_t r;
    if (xgc_planner_run(view, &cfg, now, 1, optimise, &r, err, sizeof err) < 0)
        return (size_t)-1;
    for (size_t i = 0; i < r.n_ops; i++) {
        char key[256];
        void *d = NULL;
        size_t n = 0;
        xgc_planner_op_key(&r.ops[i], key, sizeof key);
        xgc_planner_op_value(&r.ops[i], &d, &n);
        xgc_view_apply(view, key, d, n, now, err, sizeof err);
        free(d);
    }
    size_t nops = r.n_ops;
    if (ops_out) {
        *ops_out = r.ops;
        r.ops = NULL;
    }
    xgc_planner_round_free(&r);
    return nops;
}

static size_t s_count(xgc_plandiff_cmd_t cmd, const xgc_plandiff_op_t *ops, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ops[i].cmd == cmd;
    return k;
}

static void s_running(const char *host, const char *vm)
{
    xgc_vm_actual_t a = {.state = XGC_VM_RUNNING, .since_ms = now};
    char key[128];
    snprintf(a.vm, sizeof a.vm, "%s", vm);
    snprintf(a.host, sizeof a.host, "%s", host);
    snprintf(key, sizeof key, "pm/%s/vm/%s", host, vm);
    APPLY(key, xgc_msg_vm_actual_encode, &a);
}

XGC_TEST(arrivals_become_creates)
{
    xgc_plandiff_op_t *ops;
    s_pm("pm0");
    s_pm("pm1");
    CHECK(s_spec("a", 500, 1000) == XGC_VIEW_ARRIVAL);
    CHECK(s_spec("b", 500, 1000) == XGC_VIEW_ARRIVAL);
    CHECK(s_spec("b", 500, 1000) == XGC_VIEW_NONE);
    size_t n = s_round(false, &ops);
    CHECK(s_count(XGC_CMD_CREATE, ops, n) == 2);
    free(ops);
    CHECK(s_round(false, NULL) == 0);        /* nothing left to do */
    CHECK(xgc_view_vm_count(view) == 2 && xgc_view_pm_count(view) == 2);
}

XGC_TEST(invalid_and_departure)
{
    xgc_plandiff_op_t *ops;
    uint8_t junk[] = {0xc1, 0x00};
    CHECK(xgc_view_apply(view, "vm/a/spec", junk, 2, now, err, sizeof err) == XGC_VIEW_INVALID);
    CHECK(err[0]);
    CHECK(s_spec("c", 3000, 1000) == XGC_VIEW_INVALID);   /* min > max */
    CHECK(xgc_view_vm_count(view) == 2);
    CHECK(xgc_view_apply(view, "vm/b/spec", NULL, 0, now, err, sizeof err) == XGC_VIEW_DEPARTURE);
    size_t n = s_round(false, &ops);
    CHECK(n == 1 && ops[0].kind == XGC_PLANDIFF_DELETE && ops[0].cmd == XGC_CMD_DESTROY);
    CHECK_STR(ops[0].entry.vm, "b");
    free(ops);
}

XGC_TEST(lost_pm_fenced_after_lease)
{
    xgc_plandiff_op_t *ops;
    xgc_view_round_t r;
    const char *lost[4];
    s_spec("b", 500, 1000);
    s_round(false, NULL);
    /* Where is "a"? Kill that PM. */
    xgc_view_round(view, &cfg, now, &r);
    const char *host = r.pms[r.vms[0].host].spec.name;
    char h[64], key[128];
    snprintf(h, sizeof h, "%s", host);
    xgc_view_round_free(&r);
    s_running(h, "a");
    snprintf(key, sizeof key, "pm/%s/alive", h);
    CHECK(xgc_view_apply(view, key, NULL, 0, now, err, sizeof err) == XGC_VIEW_PM_LOST);
    xgc_view_round(view, &cfg, now + 1000, &r);
    CHECK(xgc_view_lost(&r, lost, 4) == 1 && !strcmp(lost[0], h));
    xgc_view_round_free(&r);
    now += 1000;
    CHECK(s_round(false, NULL) == 0);        /* stranded: nothing moves */
    now += 3000;                             /* the pmd's lease ran out */
    size_t n = s_round(false, &ops);
    CHECK(s_count(XGC_CMD_CREATE, ops, n) >= 1);
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind == XGC_PLANDIFF_WRITE)
            CHECK(strcmp(ops[i].entry.host, h) && !ops[i].entry.from[0]);
    free(ops);
}

XGC_TEST(demand_shrinks_max)
{
    xgc_view_round_t r;
    xgc_view_set_demand(view, "a", 700);
    xgc_view_round(view, &cfg, now, &r);
    CHECK_NEAR(r.vms[0].spec.max_mhz, 700, 1e-9);
    CHECK_NEAR(r.vms[0].spec.utility_max, 1.4, 1e-9);
    CHECK_NEAR(r.cap_mhz[0], 1000, 1e-9);   /* the cap stays the spec's max */
    xgc_view_round_free(&r);
    xgc_view_set_demand(view, "a", 100);
    xgc_view_round(view, &cfg, now, &r);
    CHECK_NEAR(r.vms[0].spec.max_mhz, 500, 1e-9);
    xgc_view_round_free(&r);
}

/* Policy consolidate's inputs: the observed demand as set, the cap, and
 * the PM the VM's run entry left on its last move. */
XGC_TEST(load_and_origin)
{
    xgc_view_round_t r;
    xgc_plan_entry_t e = {.state = XGC_PLAN_RUN};
    xgc_replan_load_t load = {.samples = 5, .estimate = 660, .mean = 600, .spread = 20,
                              .last = 610};
    s_pm("pa");
    s_pm("pb");
    snprintf(e.vm, sizeof e.vm, "a");
    snprintf(e.host, sizeof e.host, "pa");
    APPLY("plan/pa/a", xgc_msg_plan_entry_encode, &e);
    xgc_view_apply(view, "plan/pa/a", NULL, 0, now, err, sizeof err);
    snprintf(e.host, sizeof e.host, "pb");
    snprintf(e.from, sizeof e.from, "pa");          /* live-migrated from pa */
    APPLY("plan/pb/a", xgc_msg_plan_entry_encode, &e);
    xgc_view_set_load(view, "a", &load);
    CHECK(xgc_view_round(view, &cfg, now, &r) == 0);
    int v = -1, pa = -1, pb = -1;
    for (size_t i = 0; i < r.n_vms; i++)
        v = strcmp(r.vms[i].spec.name, "a") ? v : (int)i;
    for (size_t j = 0; j < r.n_pms; j++) {
        pa = strcmp(r.pms[j].spec.name, "pa") ? pa : (int)j;
        pb = strcmp(r.pms[j].spec.name, "pb") ? pb : (int)j;
    }
    xgc_replan_vm_t got = v >= 0 ? r.vms[v] : (xgc_replan_vm_t){.host = -1};
    xgc_view_round_free(&r);
    CHECK(v >= 0 && pa >= 0 && pb >= 0);
    CHECK(got.host == pb);
    CHECK(got.load.samples == 5);
    CHECK_NEAR(got.load.mean, 600, 0);
    CHECK_NEAR(got.load.last, 610, 0);
    CHECK_NEAR(got.load.cap_mhz, 1000, 0);
    CHECK(got.load.has_from && got.load.last_from == pa);
}

/* The PM a VM left is written into its plan entry (`left`) and a new leader
 * (a fresh view that only reads the blackboard) knows it again: no_return
 * survives a restart or a takeover. */
XGC_TEST(left_survives_a_new_leader)
{
    xgc_view_t *old = view;
    view = xgc_view_new();
    s_pm("pa");
    s_pm("pb");
    CHECK(s_spec("m", 100, 500) == XGC_VIEW_ARRIVAL);
    xgc_plan_entry_t e = {.state = XGC_PLAN_RUN, .weight = 1, .cap_mhz = 500};
    snprintf(e.vm, sizeof e.vm, "m");
    snprintf(e.host, sizeof e.host, "pa");
    APPLY("plan/pa/m", xgc_msg_plan_entry_encode, &e);
    snprintf(e.host, sizeof e.host, "pb");
    snprintf(e.from, sizeof e.from, "pa");           /* the copy, ended */
    APPLY("plan/pb/m", xgc_msg_plan_entry_encode, &e);
    xgc_plandiff_op_t *ops = NULL;
    size_t n = s_round(false, &ops);
    bool wrote_left = false;
    for (size_t i = 0; i < n && n != (size_t)-1; i++)
        wrote_left |= ops[i].kind == XGC_PLANDIFF_WRITE && !strcmp(ops[i].entry.host, "pb")
                      && !strcmp(ops[i].entry.left, "pa") && !ops[i].entry.from[0];
    free(ops);
    CHECK(wrote_left);
    xgc_view_destroy(&view);

    view = xgc_view_new();                           /* the new leader */
    s_pm("pa");
    s_pm("pb");
    CHECK(s_spec("m", 100, 500) == XGC_VIEW_ARRIVAL);
    e.from[0] = 0;
    snprintf(e.left, sizeof e.left, "pa");
    APPLY("plan/pb/m", xgc_msg_plan_entry_encode, &e);
    xgc_view_round_t r;
    CHECK(xgc_view_round(view, &cfg, now, &r) == 0);
    int pa = -1;
    for (size_t j = 0; j < r.n_pms; j++)
        pa = strcmp(r.pms[j].spec.name, "pa") ? pa : (int)j;
    CHECK(r.n_vms == 1 && pa >= 0);
    CHECK(r.n_vms == 1 && r.vms[0].load.has_from && r.vms[0].load.last_from == pa);
    xgc_view_round_free(&r);
    xgc_view_destroy(&view);
    view = old;
}

/* The estimator table the scheduler and xgc plan --observe share: one
 * estimator per name, kept between samples, freed with the table. */
XGC_TEST(one_estimator_per_vm)
{
    xgc_demand_params_t p;
    xgc_demand_params_default(&p);
    zhashx_t *t = xgc_view_estimators_new();
    CHECK(t != NULL);
    xgc_demand_t *a = xgc_view_estimator(t, "a", &p);
    CHECK(a != NULL);
    xgc_demand_observe(a, 500);
    CHECK(xgc_view_estimator(t, "a", &p) == a);
    CHECK(xgc_demand_count(xgc_view_estimator(t, "a", &p)) == 1);
    xgc_demand_t *b = xgc_view_estimator(t, "b", &p);
    CHECK(b != NULL && b != a && xgc_demand_count(b) == 0);
    CHECK(zhashx_size(t) == 2);
    zhashx_destroy(&t);
}

int main(void)
{
    view = xgc_view_new();
    xgc_sched_config_default(&cfg);
    cfg.fence_grace_ms = 0;
    XGC_TEST_RUN(arrivals_become_creates);
    XGC_TEST_RUN(invalid_and_departure);
    XGC_TEST_RUN(lost_pm_fenced_after_lease);
    XGC_TEST_RUN(demand_shrinks_max);
    XGC_TEST_RUN(load_and_origin);
    XGC_TEST_RUN(left_survives_a_new_leader);
    XGC_TEST_RUN(one_estimator_per_vm);
    xgc_view_destroy(&view);
    return XGC_TEST_END();
}
