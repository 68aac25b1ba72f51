/* Unit tests of scheduler/replan: incremental, migration-aware re-planning. */
#include <stdlib.h>

#include "scheduler/replan.h"
#include "tests/unit/xgc_test.h"

#define NP 6
#define NV 64

static xgc_replan_pm_t pms[NP];
static xgc_replan_vm_t vms[NV];
static xgc_replan_params_t par;
static xgc_replan_result_t res;
static char err[256];

/* n PMs of 4000 MHz / 4096 MB costing `cost` while used. */
static void s_pms(size_t n, double cost)
{
    memset(pms, 0, sizeof pms);
    for (size_t j = 0; j < n; j++) {
        snprintf(pms[j].spec.name, sizeof pms[j].spec.name, "pm%zu", j);
        pms[j].spec.cpu_mhz = 4000;
        pms[j].spec.mem_mb = 4096;
        pms[j].spec.power_cost = cost;
        pms[j].spec.power.idle_w = 100;
        pms[j].spec.power.peak_w = 200;
        snprintf(pms[j].spec.driver, sizeof pms[j].spec.driver, "sim");
    }
}

static void s_vm(size_t i, double min, double max, int host)
{
    memset(&vms[i], 0, sizeof vms[i]);
    snprintf(vms[i].spec.name, sizeof vms[i].spec.name, "vm%02zu", i);
    vms[i].spec.min_mhz = min;
    vms[i].spec.max_mhz = max;
    vms[i].spec.shares = 1;
    vms[i].spec.mem_mb = 256;
    vms[i].spec.utility_min = min / 100;
    vms[i].spec.utility_max = max / 50;
    vms[i].host = host;
}

static int s_run(size_t np, size_t nv, int64_t now)
{
    xgc_replan_result_free(&res);
    return xgc_replan_run(pms, np, vms, nv, &par, now, &res, err, sizeof err);
}

/* Feed a round's result back as the next round's input. */
static void s_apply(size_t np, size_t nv, int64_t now)
{
    for (size_t v = 0; v < nv; v++) {
        if (res.vms[v].host != vms[v].host && res.vms[v].host >= 0)
            vms[v].last_move_ms = now;
        vms[v].host = res.vms[v].host;
    }
    for (size_t j = 0; j < np; j++) {
        pms[j].empty_since_ms = res.pms[j].empty_since_ms;
        if (res.pms[j].switched)
            pms[j].state = res.pms[j].on ? XGC_REPLAN_PM_UP : XGC_REPLAN_PM_OFF;
    }
}

static void s_reset(void)
{
    xgc_replan_params_default(&par);
    s_pms(NP, 10);
}

XGC_TEST(arrival_moves_nothing_else)
{
    s_reset();
    par.optimise = false;
    s_vm(0, 500, 1000, 0);
    s_vm(1, 500, 1000, 1);       /* two half-empty PMs: PEMM would merge them */
    s_vm(2, 500, 1000, -1);      /* the arrival */
    CHECK(s_run(NP, 3, 1000000) == 0);
    CHECK(res.vms[0].host == 0 && res.vms[1].host == 1);
    CHECK(res.vms[2].host >= 0);
    CHECK(res.vms[2].why == XGC_REPLAN_PLACED);
    CHECK(res.vms[2].from == -1);
    CHECK(res.migrations == 0 && res.placed == 1 && res.unplaced == 0);
    CHECK_STR(xgc_replan_why_name(res.vms[2].why), "placed");
}

XGC_TEST(consolidates_when_optimising)
{
    s_reset();
    par.optimise = true;
    s_vm(0, 500, 1000, 0);
    s_vm(1, 500, 1000, 1);
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK(res.migrations == 1);
    CHECK(res.vms[0].host == res.vms[1].host);
    int moved = res.vms[0].from >= 0 ? 0 : 1;
    CHECK(res.vms[moved].why == XGC_REPLAN_CONSOLIDATED);
    CHECK(res.vms[moved].from == (moved == 0 ? 0 : 1));
    CHECK_NEAR(res.power_cost, 10, 1e-9);
}

XGC_TEST(cooldown_and_margin_hold_back)
{
    s_reset();
    par.optimise = true;
    s_vm(0, 500, 1000, 0);
    s_vm(1, 500, 1000, 1);
    vms[0].last_move_ms = vms[1].last_move_ms = 990000;   /* 10 s ago */
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK(res.migrations == 0);
    vms[0].last_move_ms = vms[1].last_move_ms = 0;
    par.gain_margin = 1000;
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK(res.migrations == 0);
    vms[1].in_flight = true;
    par.gain_margin = 0;
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK(res.migrations == 1 && res.vms[0].host == 1);   /* only vm00 may move */
}

XGC_TEST(budget_per_round_and_per_pm)
{
    s_reset();
    par.optimise = true;
    par.max_migrations = 2;
    for (size_t i = 0; i < NP; i++)
        s_vm(i, 300, 600, (int)i);          /* one small VM per PM */
    CHECK(s_run(NP, NP, 1000000) == 0);
    CHECK(res.migrations <= 2 && res.migrations > 0);
    int in[NP] = {0};
    for (size_t v = 0; v < NP; v++)
        if (res.vms[v].from >= 0) {
            in[res.vms[v].host]++;
            in[res.vms[v].from]++;
        }
    for (size_t j = 0; j < NP; j++)
        CHECK(in[j] <= par.max_per_pm);
    par.max_migrations = 0;
    CHECK(s_run(NP, NP, 1000000) == 0);
    CHECK(res.migrations == 0);
}

XGC_TEST(no_ping_pong_converges)
{
    s_reset();
    par.optimise = true;
    par.max_migrations = 3;
    par.cooldown_ms = 60000;
    for (size_t i = 0; i < 12; i++)
        s_vm(i, 200 + 50 * (double)i, 600 + 100 * (double)i, (int)(i % NP));
    int moves[12] = {0};
    int64_t now = 1000000;
    int last_round_moves = -1;
    for (int round = 0; round < 30; round++, now += 20000) {
        CHECK(s_run(NP, 12, now) == 0);
        for (size_t v = 0; v < 12; v++) {
            if (res.vms[v].from < 0)
                continue;
            moves[v]++;
            CHECK(vms[v].last_move_ms == 0 || now - vms[v].last_move_ms >= par.cooldown_ms);
        }
        last_round_moves = res.migrations;
        s_apply(NP, 12, now);
    }
    CHECK(last_round_moves == 0);            /* converged */
    for (size_t v = 0; v < 12; v++)
        CHECK(moves[v] <= 2);
}

XGC_TEST(drain_evacuates_within_budget)
{
    s_reset();
    par.max_migrations = 2;
    for (size_t i = 0; i < 3; i++)
        s_vm(i, 500, 1000, 0);
    s_vm(3, 500, 1000, 1);
    pms[0].state = XGC_REPLAN_PM_DRAINING;
    par.max_per_pm = 0;
    CHECK(s_run(NP, 4, 1000000) == 0);
    CHECK(res.migrations == 2 && res.pending);
    int left = 0;
    for (size_t v = 0; v < 3; v++) {
        left += res.vms[v].host == 0;
        if (res.vms[v].host != 0)
            CHECK(res.vms[v].why == XGC_REPLAN_EVACUATED && res.vms[v].from == 0);
    }
    CHECK(left == 1);
    s_apply(NP, 4, 1000000);
    s_vm(4, 500, 1000, -1);                  /* an arrival: not onto pm0 */
    CHECK(s_run(NP, 5, 1001000) == 0);
    CHECK(res.vms[4].host > 0);
    CHECK(res.vms[0].host != 0 && res.vms[1].host != 0 && res.vms[2].host != 0);
    CHECK(!res.pending);
    CHECK(res.pms[0].on && !res.pms[0].switched);   /* drained, left on */
}

XGC_TEST(failed_waits_for_fence)
{
    s_reset();
    s_vm(0, 500, 1000, 2);
    s_vm(1, 500, 1000, 2);
    s_vm(2, 500, 1000, 1);
    pms[2].state = XGC_REPLAN_PM_FAILED;
    s_vm(3, 500, 1000, -1);
    CHECK(s_run(NP, 4, 1000000) == 0);
    CHECK(res.vms[0].host == 2 && res.vms[1].host == 2);
    CHECK(res.vms[0].why == XGC_REPLAN_STRANDED);
    CHECK(res.vms[3].host >= 0 && res.vms[3].host != 2);
    CHECK(res.migrations == 0);
    pms[2].state = XGC_REPLAN_PM_FENCED;
    CHECK(s_run(NP, 4, 1001000) == 0);
    CHECK(res.vms[0].host >= 0 && res.vms[0].host != 2);
    CHECK(res.vms[1].host >= 0 && res.vms[1].host != 2);
    CHECK(res.vms[0].from == -1);            /* re-created, not migrated */
    CHECK(res.vms[0].why == XGC_REPLAN_FAILOVER);
    CHECK(strstr(res.vms[0].reason, "pm2") != NULL);
    CHECK(res.migrations == 0 && res.vms[2].host == 1);
}

XGC_TEST(power_hold_then_off_and_on_demand)
{
    s_reset();
    s_vm(0, 500, 1000, 0);
    pms[1].empty_since_ms = 0;
    par.power_off_hold_ms = 30000;
    CHECK(s_run(2, 1, 1000000) == 0);
    CHECK(res.pms[0].on && res.pms[1].on && !res.pms[1].switched);
    CHECK(res.pms[1].empty_since_ms == 1000000);
    s_apply(2, 1, 1000000);
    CHECK(s_run(2, 1, 1031000) == 0);
    CHECK(!res.pms[1].on && res.pms[1].switched && res.switched_off == 1);
    CHECK(res.pms_on == 1);
    s_apply(2, 1, 1031000);
    CHECK(pms[1].state == XGC_REPLAN_PM_OFF);
    /* Demand that pm0 cannot hold switches pm1 back on. */
    s_vm(1, 2000, 2000, -1);
    s_vm(2, 2000, 2000, -1);
    CHECK(s_run(2, 3, 1040000) == 0);
    CHECK(res.unplaced == 0);
    CHECK(res.pms[1].on && res.pms[1].switched && res.switched_on == 1);
}

XGC_TEST(overload_after_resize_is_relieved)
{
    s_reset();
    s_vm(0, 2000, 2000, 0);
    s_vm(1, 2500, 2500, 0);                  /* Σ min 4500 > 4000 */
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK(res.migrations == 1);
    CHECK(res.vms[0].host != res.vms[1].host);
    int moved = res.vms[0].from == 0 ? 0 : 1;
    CHECK(res.vms[moved].why == XGC_REPLAN_RELIEVED);
}

XGC_TEST(unplaced_and_bad_input)
{
    s_reset();
    s_vm(0, 5000, 6000, -1);                 /* bigger than any PM */
    CHECK(s_run(NP, 1, 1000000) == 0);
    CHECK(res.unplaced == 1 && res.vms[0].host == -1);
    CHECK(res.vms[0].why == XGC_REPLAN_UNPLACED);
    s_vm(0, 500, 600, 7);
    CHECK(s_run(NP, 1, 1000000) == -1);
    CHECK(strstr(err, "vm00") != NULL);
    CHECK(res.vms == NULL);
    CHECK(s_run(0, 0, 0) == 0);
}

XGC_TEST(alloc_and_totals)
{
    s_reset();
    s_vm(0, 1000, 3000, 0);
    s_vm(1, 1000, 3000, 0);                  /* share 4000: 2000 each */
    CHECK(s_run(NP, 2, 1000000) == 0);
    CHECK_NEAR(res.vms[0].alloc_mhz, 2000, 1e-6);
    CHECK_NEAR(res.power_cost, 10, 1e-9);
    double u = 2 * (10 + (60.0 - 10) * (2000 - 1000) / 2000);
    CHECK_NEAR(res.utility, u, 1e-6);
    CHECK_NEAR(res.net, u - 10, 1e-6);
}

int main(void)
{
    XGC_TEST_RUN(arrival_moves_nothing_else);
    XGC_TEST_RUN(consolidates_when_optimising);
    XGC_TEST_RUN(cooldown_and_margin_hold_back);
    XGC_TEST_RUN(budget_per_round_and_per_pm);
    XGC_TEST_RUN(no_ping_pong_converges);
    XGC_TEST_RUN(drain_evacuates_within_budget);
    XGC_TEST_RUN(failed_waits_for_fence);
    XGC_TEST_RUN(power_hold_then_off_and_on_demand);
    XGC_TEST_RUN(overload_after_resize_is_relieved);
    XGC_TEST_RUN(unplaced_and_bad_input);
    XGC_TEST_RUN(alloc_and_totals);
    xgc_replan_result_free(&res);
    return XGC_TEST_END();
}
