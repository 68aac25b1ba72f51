/* test_policy_migrate.c — the planner and its gate: relief of an
 * overloaded PM (covering VM with the shortest copy, best-fit destination
 * that is not over on its observed load, waking the most efficient PM),
 * violations now before forecast ones, consolidation only when everything
 * fits and it pays,
 * the per-round and per-PM budgets, cooldown and no-return. */
#include "scheduler/policy/migrate.h"
#include "xgc_test.h"

/* Two kinds of PM: capacity 100 (idle 80 W, max 120 W) and 200 (90, 130). */
static xgc_plan_pm_t s_pm(double cap, int asleep)
{
    return (xgc_plan_pm_t){cap, cap, cap > 150 ? 90 : 80, cap > 150 ? 130 : 120, asleep, 0};
}

static xgc_plan_vm_t s_vm(int pm, double load, double cost)
{
    return (xgc_plan_vm_t){pm, load, load, load, 0, cost, -1, -1, 1, 0};
}

static xgc_plan_params_t s_params(void)
{
    xgc_plan_params_t p;
    xgc_plan_params_default(&p);
    p.z = 0;
    p.target = 0.9;
    p.underload = 0.5;
    p.min_gain_w = 1;
    return p;
}

/* One round 10 with s_params(), at most 8 moves. */
static int s_plan(const xgc_plan_pm_t *pms, int n_pms, const xgc_plan_vm_t *vms, int n_vms,
                  xgc_plan_move_t *m)
{
    xgc_plan_params_t p = s_params();
    return xgc_plan_round(&p, pms, n_pms, vms, n_vms, 10, m, 8);
}

XGC_TEST(relief_moves_the_cheapest_covering_vm)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0), s_pm(200, 1), s_pm(100, 1)};
    /* PM0 at 110: VM0 (40, cost 10) or VM1 (30, cost 1) or VM2 (40, cost 5)
     * each bring it under 90; VM1 has the shortest copy (cost 1). PM1 at 75 cannot
     * take 30 under 90; the sleeping 200 PM (cheaper per watt) is woken. */
    xgc_plan_vm_t vms[] = {s_vm(0, 40, 10), s_vm(0, 30, 1), s_vm(0, 40, 5), s_vm(1, 75, 1)};
    xgc_plan_move_t m[8];
    int n = xgc_plan_round(&p, pms, 4, vms, 4, 10, m, 8);
    CHECK(n == 1);
    CHECK(m[0].vm == 1 && m[0].from == 0 && m[0].to == 2);
}

XGC_TEST(relief_prefers_best_fit_awake)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0), s_pm(100, 0), s_pm(200, 1)};
    xgc_plan_vm_t vms[] = {s_vm(0, 60, 1), s_vm(0, 50, 2), s_vm(1, 50, 1), s_vm(2, 20, 1)};
    xgc_plan_move_t m[8];
    int n = xgc_plan_round(&p, pms, 4, vms, 4, 10, m, 8);
    /* PM0 at 110: either VM brings it under 90; VM0's copy is shorter (1 < 2).
     * It does not fit PM1 (50 + 60 > 90) but fits PM2 (20 + 60). */
    CHECK(n >= 1);
    CHECK(m[0].vm == 0 && m[0].to == 2);
}

XGC_TEST(relief_sheds_the_shortest_copy_not_the_least_cpu)
{
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(200, 1)};
    /* PM0 at 110: VM0 (25, cost 3) and VM1 (50, cost 2) both cover the
     * excess of 20; VM1's copy is shorter although it uses more CPU. */
    xgc_plan_vm_t vms[] = {s_vm(0, 25, 3), s_vm(0, 50, 2), s_vm(0, 35, 4)};
    xgc_plan_move_t m[8];
    CHECK(s_plan(pms, 2, vms, 3, m) == 1);
    CHECK(m[0].vm == 1 && m[0].to == 1);
}

XGC_TEST(receiver_not_over_on_observed_load)
{
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0), s_pm(200, 1)};
    /* PM0 at 110 sheds VM0 (30). PM1's sized load is 50 (room for it) but
     * its VM uses 70 now: 70 + 30 > 90, so the sleeping PM is woken. */
    xgc_plan_vm_t vms[] = {s_vm(0, 30, 1), s_vm(0, 80, 2), s_vm(1, 50, 1)};
    vms[0].demand = 30;
    vms[2].demand = 70;
    xgc_plan_move_t m[8];
    CHECK(s_plan(pms, 3, vms, 3, m) == 1);
    CHECK(m[0].vm == 0 && m[0].to == 2);
    vms[2].demand = 50;   /* observed = sized: PM1 takes it */
    CHECK(s_plan(pms, 3, vms, 3, m) == 1);
    CHECK(m[0].vm == 0 && m[0].to == 1);
}

XGC_TEST(violation_now_first_and_by_observed_load)
{
    xgc_plan_params_t p = s_params();
    p.max_moves = 1;
    p.catch_up = 2;
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0), s_pm(200, 1)};
    /* PM0 is over on its sized load only (105, a forecast; its VMs use 10
     * now). PM1's VMs use 110 now (over 98 = capacity less the margin)
     * while sized at 80: a violation now. It goes first though the round's
     * budget is 1 and PM0 comes first; and of PM1's VMs, VM1 is idle now
     * (moving it fixes nothing although its copy is the shortest): VM2 (70
     * now) covers the excess with a shorter copy than VM3. */
    xgc_plan_vm_t vms[] = {s_vm(0, 55, 1), s_vm(1, 30, 1), s_vm(1, 30, 2), s_vm(1, 20, 3),
                           s_vm(0, 50, 1)};
    vms[0].demand = vms[4].demand = 5;
    vms[1].demand = 0;
    vms[2].demand = 70;
    vms[3].demand = 40;
    xgc_plan_move_t m[8];
    int n = xgc_plan_round(&p, pms, 3, vms, 5, 10, m, 8);
    CHECK(n == 1);
    CHECK(m[0].vm == 2 && m[0].from == 1 && m[0].to == 2);
}

XGC_TEST(consolidation_empties_the_least_loaded)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0), s_pm(100, 0)};
    xgc_plan_vm_t vms[] = {s_vm(0, 10, 1), s_vm(0, 15, 1), s_vm(1, 60, 1), s_vm(2, 40, 1)};
    xgc_plan_move_t m[8];
    int n = xgc_plan_round(&p, pms, 3, vms, 4, 10, m, 8);
    CHECK(n == 2);
    CHECK(m[0].from == 0 && m[1].from == 0);
    CHECK(m[0].to != 0 && m[1].to != 0);
}

XGC_TEST(consolidation_all_or_nothing)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0)};
    /* PM0's 20 + 30 do not both fit PM1 (45 + 50 > 90): nothing moves. */
    xgc_plan_vm_t vms[] = {s_vm(0, 20, 1), s_vm(0, 30, 1), s_vm(1, 45, 1)};
    xgc_plan_move_t m[8];
    CHECK(xgc_plan_round(&p, pms, 2, vms, 3, 10, m, 8) == 0);
}

XGC_TEST(gate_cooldown_and_no_return)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0)};
    xgc_plan_vm_t vms[] = {s_vm(0, 10, 1), s_vm(1, 40, 1)};
    xgc_plan_move_t m[8];
    vms[1].last_move = 98;                /* both moved 2 rounds ago */
    vms[0].last_move = 98;
    CHECK(xgc_plan_round(&p, pms, 2, vms, 2, 100, m, 8) == 0);
    vms[1].last_move = -1;
    vms[0].last_move = 100 - p.cooldown;  /* cooled down, but came from PM1 */
    vms[0].last_from = 1;
    /* PM0 (10) would empty onto PM1, its old home: refused; PM1 (40) onto
     * PM0 instead. */
    int n = xgc_plan_round(&p, pms, 2, vms, 2, 100, m, 8);
    CHECK(n == 1 && m[0].vm == 1 && m[0].to == 0);
    vms[0].last_move = 100 - p.no_return; /* long ago: may go back */
    n = xgc_plan_round(&p, pms, 2, vms, 2, 100, m, 8);
    CHECK(n == 1 && m[0].vm == 0 && m[0].to == 1);
}

XGC_TEST(gate_budgets)
{
    xgc_plan_params_t p = s_params();
    p.max_moves = 2;
    p.catch_up = 1;
    xgc_plan_pm_t pms[4];
    xgc_plan_vm_t vms[12];
    for (int i = 0; i < 4; i++)
        pms[i] = s_pm(100, 0);
    for (int v = 0; v < 12; v++)       /* 3 VMs of 5 on each PM */
        vms[v] = s_vm(v / 3, 5, 1);
    xgc_plan_move_t m[16];
    int n = xgc_plan_round(&p, pms, 4, vms, 12, 10, m, 16);
    CHECK(n <= 2);                      /* PM emptying needs 3: none fits the budget */
    p.max_moves = 0;
    p.max_moves_per_pm = 2;
    n = xgc_plan_round(&p, pms, 4, vms, 12, 10, m, 16);
    int per_pm[4] = {0};
    for (int i = 0; i < n; i++)
        per_pm[m[i].from]++, per_pm[m[i].to]++;
    CHECK(n == 4);                      /* partial drains, 2 moves a PM at most */
    for (int i = 0; i < 4; i++)
        CHECK(per_pm[i] <= 2);
    p.max_moves_per_pm = 8;
    n = xgc_plan_round(&p, pms, 4, vms, 12, 10, m, 16);
    CHECK(n == 4);                      /* one PM emptied, the next drained by 1 */
}

XGC_TEST(catch_up_widens_the_budget)
{
    xgc_plan_params_t p = s_params();
    p.max_moves = 2;
    p.catch_up = 3;
    xgc_plan_pm_t pms[6];
    xgc_plan_vm_t vms[6];
    for (int i = 0; i < 6; i++) {     /* 6 PMs awake for a load of 60: 1 needed */
        pms[i] = s_pm(100, 0);
        vms[i] = s_vm(i, 10, 1);
    }
    xgc_plan_move_t m[16];
    /* all but one emptied (5 moves, within 2 x 3), onto the fullest */
    CHECK(xgc_plan_round(&p, pms, 6, vms, 6, 10, m, 16) == 5);
    p.catch_up = 1;
    CHECK(xgc_plan_round(&p, pms, 6, vms, 6, 10, m, 16) == 2);
}

XGC_TEST(gain_margin)
{
    xgc_plan_params_t p = s_params();
    p.min_gain_w = 200;                 /* more than any PM draws */
    xgc_plan_pm_t pms[] = {s_pm(100, 0), s_pm(100, 0)};
    xgc_plan_vm_t vms[] = {s_vm(0, 10, 1), s_vm(1, 40, 1)};
    xgc_plan_move_t m[8];
    CHECK(xgc_plan_round(&p, pms, 2, vms, 2, 10, m, 8) == 0);
}

XGC_TEST(place_and_bad_arguments)
{
    xgc_plan_params_t p = s_params();
    xgc_plan_pm_t pms[] = {s_pm(100, 1), s_pm(200, 1), s_pm(100, 0)};
    double mean[3] = {0, 0, 80}, var[3] = {0}, ram[3] = {0};
    xgc_plan_vm_t vm = s_vm(-1, 5, 1);
    CHECK(xgc_plan_place(&p, pms, 3, mean, var, ram, &vm) == 2);   /* awake, fits */
    vm = s_vm(-1, 20, 1);
    CHECK(xgc_plan_place(&p, pms, 3, mean, var, ram, &vm) == 1);   /* cheapest asleep */
    vm = s_vm(-1, 500, 1);
    CHECK(xgc_plan_place(&p, pms, 3, mean, var, ram, &vm) == -1);  /* no core big enough */
    p.target = 2;
    xgc_plan_move_t m[1];
    CHECK(xgc_plan_round(&p, pms, 3, &vm, 1, 0, m, 1) == -1);
    const char *why = NULL;
    CHECK(xgc_plan_params_check(&p, &why) == -1 && why);
}

int main(void)
{
    XGC_TEST_RUN(relief_moves_the_cheapest_covering_vm);
    XGC_TEST_RUN(relief_prefers_best_fit_awake);
    XGC_TEST_RUN(relief_sheds_the_shortest_copy_not_the_least_cpu);
    XGC_TEST_RUN(receiver_not_over_on_observed_load);
    XGC_TEST_RUN(violation_now_first_and_by_observed_load);
    XGC_TEST_RUN(consolidation_empties_the_least_loaded);
    XGC_TEST_RUN(consolidation_all_or_nothing);
    XGC_TEST_RUN(gate_cooldown_and_no_return);
    XGC_TEST_RUN(gate_budgets);
    XGC_TEST_RUN(catch_up_widens_the_budget);
    XGC_TEST_RUN(gain_margin);
    XGC_TEST_RUN(place_and_bad_arguments);
    return XGC_TEST_END();
}
