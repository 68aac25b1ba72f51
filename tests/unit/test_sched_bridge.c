/* Unit tests of scheduler/policy_bridge (migrate.c on replan's view) and of
 * replan's policy `consolidate`, which takes its load-driven moves from it.
 * The bridge must give exactly the moves migrate.c gives on the same
 * cluster described by hand in migrate.h's terms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy_bridge.h"
#include "tests/unit/xgc_test.h"

#define NP 4
#define NV 8
#define ROUND_MS 10000

static xgc_replan_pm_t pms[NP];
static xgc_replan_vm_t vms[NV];
static xgc_plan_params_t plan;

/* n PMs of 2 x 1000 MHz, 4096 MB, 100 W idle, 200 W at full load. */
static void s_pms(int n)
{
    memset(pms, 0, sizeof pms);
    for (int j = 0; j < n; j++) {
        snprintf(pms[j].spec.name, sizeof pms[j].spec.name, "pm%d", j);
        pms[j].spec.cpu_mhz = 2000;
        pms[j].spec.cores = 2;
        pms[j].spec.mem_mb = 4096;
        pms[j].spec.power_cost = 1;
        pms[j].spec.power.idle_w = 100;
        pms[j].spec.power.peak_w = 200;
        snprintf(pms[j].spec.driver, sizeof pms[j].spec.driver, "sim");
    }
    xgc_plan_params_default(&plan);
}

/* VM i on `host` using `mhz` steadily (estimate 10 % above). */
static void s_vm(int i, int host, double mhz)
{
    memset(&vms[i], 0, sizeof vms[i]);
    snprintf(vms[i].spec.name, sizeof vms[i].spec.name, "vm%d", i);
    vms[i].spec.min_mhz = 100;
    vms[i].spec.max_mhz = 1000;
    vms[i].spec.shares = 1;
    vms[i].spec.mem_mb = 512;
    vms[i].spec.utility_min = 1;
    vms[i].spec.utility_max = 20;
    vms[i].host = host;
    vms[i].load = (xgc_replan_load_t){.samples = 12, .estimate = mhz * 1.1, .mean = mhz,
                                      .last = mhz};
}

/* The same cluster in migrate.h's terms, written out by hand, planned by
 * migrate.c directly: the bridge must give these moves. */
static int s_direct(int np, int nv, xgc_plan_move_t *m)
{
    xgc_plan_pm_t p[NP];
    xgc_plan_vm_t v[NV];
    for (int j = 0; j < np; j++)
        p[j] = (xgc_plan_pm_t){2000, 1000, 100, 200, pms[j].state == XGC_REPLAN_PM_OFF, 4096};
    for (int i = 0; i < nv; i++) {
        const xgc_replan_load_t *l = &vms[i].load;
        v[i] = (xgc_plan_vm_t){vms[i].host, l->estimate, l->mean, 0, l->last, 512, -1, -1,
                               512, vms[i].in_flight};
    }
    return xgc_plan_round(&plan, p, np, v, nv, 100, m, NV);
}

static int s_bridge(int np, int nv, xgc_plan_move_t *m)
{
    return xgc_bridge_plan(&plan, ROUND_MS, 100 * ROUND_MS, pms, (size_t)np, vms,
                           (size_t)nv, m, NV);
}

static int s_same(const xgc_plan_move_t *a, int na, const xgc_plan_move_t *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i].vm != b[i].vm || a[i].from != b[i].from || a[i].to != b[i].to
            || a[i].relief != b[i].relief)
            return 0;
    return 1;
}

/* pm0 holds three VMs using 2400 MHz of 2000; pm1 one of 300; pm2 off. */
static void s_overloaded(void)
{
    s_pms(3);
    s_vm(0, 0, 800);
    s_vm(1, 0, 800);
    s_vm(2, 0, 800);
    s_vm(3, 1, 300);
    pms[2].state = XGC_REPLAN_PM_OFF;
}

XGC_TEST(relief_as_migrate)
{
    xgc_plan_move_t a[NV], b[NV];
    s_overloaded();
    int na = s_bridge(3, 4, a), nb = s_direct(3, 4, b);
    CHECK(na == 1);
    CHECK(s_same(a, na, b, nb));
    CHECK(a[0].vm == 0 && a[0].from == 0 && a[0].to == 1 && a[0].relief == 1);
}

XGC_TEST(consolidation_as_migrate)
{
    xgc_plan_move_t a[NV], b[NV];
    s_pms(3);
    s_vm(0, 0, 100);
    s_vm(1, 1, 800);
    s_vm(2, 2, 700);
    int na = s_bridge(3, 3, a), nb = s_direct(3, 3, b);
    CHECK(na >= 1);
    CHECK(s_same(a, na, b, nb));
    CHECK(a[0].vm == 0 && a[0].from == 0 && a[0].to == 1 && a[0].relief == 0);
}

XGC_TEST(in_flight_vm_stays)
{
    xgc_plan_move_t a[NV], b[NV];
    s_overloaded();
    vms[0].in_flight = vms[1].in_flight = true;
    int na = s_bridge(3, 4, a), nb = s_direct(3, 4, b);
    CHECK(s_same(a, na, b, nb));
    CHECK(na == 1 && a[0].vm == 2 && a[0].relief == 1);
    vms[2].in_flight = true;
    na = s_bridge(3, 4, a);
    for (int i = 0; i < na; i++)
        CHECK(a[i].vm == 3);
}

XGC_TEST(draining_pm_never_a_destination)
{
    xgc_plan_move_t a[NV];
    s_overloaded();
    pms[1].state = XGC_REPLAN_PM_DRAINING;
    int na = s_bridge(3, 4, a);
    CHECK(na == 1);
    CHECK(a[0].from == 0 && a[0].to == 2);      /* the off PM is woken, in caller indices */
    pms[2].state = XGC_REPLAN_PM_FAILED;
    na = s_bridge(3, 4, a);
    CHECK(na == 0);                             /* nowhere to go: nothing moves */
}

XGC_TEST(round_and_no_return_in_ms)
{
    xgc_plan_move_t a[NV];
    s_overloaded();
    /* vm0 came from pm1 two rounds ago: may not go back there */
    vms[0].last_move_ms = 98 * ROUND_MS;
    vms[0].load.has_from = true;
    vms[0].load.last_from = 1;
    vms[1].last_move_ms = 98 * ROUND_MS;
    vms[1].load.has_from = true;
    vms[1].load.last_from = 1;
    vms[2].last_move_ms = 98 * ROUND_MS;
    vms[2].load.has_from = true;
    vms[2].load.last_from = 1;
    int na = s_bridge(3, 4, a);
    CHECK(na >= 1 && a[0].vm == 0 && a[0].relief == 1 && a[0].to == 2);
    /* the same on the wall clock with 500 ms rounds (ms / 500 > INT_MAX) */
    int64_t now = 1764000000000;
    for (int i = 0; i < 3; i++)
        vms[i].last_move_ms = now - 2 * 500;
    na = xgc_bridge_plan(&plan, 500, now, pms, 3, vms, 4, a, NV);
    CHECK(na >= 1 && a[0].vm == 0 && a[0].to == 2);
    /* 72 rounds later it may go back */
    for (int i = 0; i < 3; i++)
        vms[i].last_move_ms = now - 72 * 500;
    na = xgc_bridge_plan(&plan, 500, now, pms, 3, vms, 4, a, NV);
    CHECK(na >= 1 && a[0].vm == 0 && a[0].to == 1);
    CHECK(xgc_bridge_plan(&plan, 0, 0, pms, 3, vms, 4, a, NV) == -1);
}

XGC_TEST(replan_policy_consolidate)
{
    xgc_replan_params_t par;
    xgc_replan_result_t res;
    char err[256];
    s_overloaded();
    xgc_replan_params_default(&par);
    par.policy = XGC_REPLAN_POLICY_CONSOLIDATE;
    par.optimise = true;
    par.round_ms = ROUND_MS;
    CHECK(xgc_replan_run(pms, 3, vms, 4, &par, 100 * ROUND_MS, &res, err, sizeof err) == 0);
    CHECK(res.migrations == 1);
    CHECK(res.vms[0].why == XGC_REPLAN_RELIEVED && res.vms[0].host == 1 && res.vms[0].from == 0);
    CHECK(strstr(res.vms[0].reason, "pm0 overloaded"));
    xgc_replan_result_free(&res);
    /* the per-PM budget holds: pm1 already has two operations under way */
    pms[1].ops_in_flight = 2;
    CHECK(xgc_replan_run(pms, 3, vms, 4, &par, 100 * ROUND_MS, &res, err, sizeof err) == 0);
    CHECK(res.vms[0].why != XGC_REPLAN_RELIEVED || res.vms[0].host != 1);
    xgc_replan_result_free(&res);
    /* not optimising: no load-driven move */
    pms[1].ops_in_flight = 0;
    par.optimise = false;
    CHECK(xgc_replan_run(pms, 3, vms, 4, &par, 100 * ROUND_MS, &res, err, sizeof err) == 0);
    CHECK(res.migrations == 0);
    xgc_replan_result_free(&res);
    /* consolidation: pm0's small VM leaves, pm0 is then switched off after the hold */
    s_pms(3);
    s_vm(0, 0, 100);
    s_vm(1, 1, 800);
    s_vm(2, 2, 700);
    par.optimise = true;
    CHECK(xgc_replan_run(pms, 3, vms, 3, &par, 100 * ROUND_MS, &res, err, sizeof err) == 0);
    CHECK(res.vms[0].why == XGC_REPLAN_CONSOLIDATED && res.vms[0].host == 1);
    CHECK(strstr(res.vms[0].reason, "emptying pm0"));
    CHECK(res.pms[0].empty_since_ms == 100 * ROUND_MS);
    xgc_replan_result_free(&res);
}

int main(void)
{
    XGC_TEST_RUN(relief_as_migrate);
    XGC_TEST_RUN(consolidation_as_migrate);
    XGC_TEST_RUN(in_flight_vm_stays);
    XGC_TEST_RUN(draining_pm_never_a_destination);
    XGC_TEST_RUN(round_and_no_return_in_ms);
    XGC_TEST_RUN(replan_policy_consolidate);
    return XGC_TEST_END();
}
