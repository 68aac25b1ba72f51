/* Unit tests of the placement algorithms' rules on small hand-made cases
 * (the expected answers are worked out in the comments), plus pinning,
 * determinism and the incremental state's API. */
#include <stdlib.h>

#include "scheduler/placement/placement.h"
#include "xgc_test.h"

static xgc_pm_spec_t s_pm(const char *name, double cap, double mem, double cost)
{
    xgc_pm_spec_t pm = {.cpu_mhz = cap, .mem_mb = mem, .power_cost = cost, .driver = "sim"};
    snprintf(pm.name, sizeof pm.name, "%s", name);
    return pm;
}

static xgc_vm_spec_t s_vm(const char *name, double min, double max, double shares, double mem,
                          double umin, double umax)
{
    xgc_vm_spec_t vm = {.min_mhz = min, .max_mhz = max, .shares = shares, .mem_mb = mem,
                        .utility_min = umin, .utility_max = umax};
    snprintf(vm.name, sizeof vm.name, "%s", name);
    return vm;
}

static int s_place(xgc_place_problem_t *p, xgc_place_algorithm_t alg, int *pm_of)
{
    xgc_place_options_t o = xgc_place_options_default(alg);
    return xgc_place_run(p, &o, NULL, NULL, pm_of);
}

/* The packers' case (described below). */
static xgc_place_problem_t *s_packers_case(void)
{
    xgc_pm_spec_t pms[] = {s_pm("p1", 1000, 1000, 0), s_pm("p2", 3000, 1000, 0)};
    xgc_vm_spec_t vms[] = {
        s_vm("a", 400, 800, 1, 100, 4, 8), s_vm("b", 300, 600, 1, 100, 3, 6),
        s_vm("c", 100, 300, 1, 100, 1, 3), s_vm("d", 2000, 2500, 1, 100, 20, 25),
        s_vm("e", 100, 100, 1, 5000, 1, 1)};
    return xgc_place_problem_new(pms, 2, vms, 5);
}

/* The packers' case. PMs in file order: p1 (1000 MHz), p2 (3000 MHz), both
 * 1000 MB. VMs in arrival order (min/max): a 400/800, b 300/600, c 100/300,
 * d 2000/2500, e 100/100 with 5000 MB (too big for every PM's memory).
 *
 * BS (arrival order, PMs in file order, reserve max):
 *   a→p1 (free 200), b: p1 200 < 600 → p2 (free 2400), c: p1 200 < 300 →
 *   p2 (2100), d: 2500 fits nowhere → unplaced, e: memory → unplaced.
 * GM (max desc: d 2500, a 800, b 600, c 300, e 100; PMs by capacity: p2, p1):
 *   d→p2 (500 left), a: p2 500 < 800 → p1 (200), b: 500, 200 < 600 →
 *   unplaced, c→p2 (200 left), e unplaced (memory).
 * GMM: as GM, but b, fitting nowhere at max, goes first-fit at min 300:
 *   p2 has 500 → p2 (200 left); c (300) then fits nowhere at max → at min
 *   100 on p2 (100 left). */
XGC_TEST(packers_follow_their_rules)
{
    xgc_place_problem_t *p = s_packers_case();
    CHECK(p);
    int pm_of[5];
    CHECK(s_place(p, XGC_PLACE_BS, pm_of) == 0);
    CHECK(pm_of[0] == 0 && pm_of[1] == 1 && pm_of[2] == 1 && pm_of[3] == -1 && pm_of[4] == -1);
    CHECK(s_place(p, XGC_PLACE_GM, pm_of) == 0);
    CHECK(pm_of[3] == 1 && pm_of[0] == 0 && pm_of[1] == -1 && pm_of[2] == 1 && pm_of[4] == -1);
    CHECK(s_place(p, XGC_PLACE_GMM, pm_of) == 0);
    CHECK(pm_of[3] == 1 && pm_of[0] == 0 && pm_of[1] == 1 && pm_of[2] == 1 && pm_of[4] == -1);
    /* GMM scored by water-filling: p2 holds d, b, c with Σ min 2400, spare
     * 600 over shares 1:1:1. Levels (max−min)/shares: c 200, b 300, d 500.
     * λ = 200 caps c (spent 600): everyone +200 → b 500, d 2200, c 300.
     * Utility: a alone on p1 gets 800 → 8; b 3 + 3·200/300 = 5;
     * c 3; d 20 + 5·200/500 = 22. Net = 38; at max: a and c (e unplaced). */
    xgc_place_score_t sc;
    double alloc[5];
    char err[128];
    CHECK(xgc_place_score(p, pm_of, alloc, &sc, err, sizeof err) == 0);
    CHECK_NEAR(alloc[1], 500, 1e-9);
    CHECK_NEAR(alloc[3], 2200, 1e-9);
    CHECK_NEAR(sc.net, 8 + 5 + 3 + 22, 1e-9);
    CHECK(sc.unplaced == 1 && sc.at_max == 2 && sc.pms_on == 2);
    xgc_place_problem_destroy(&p);
}

/* The variants on the packers' case above.
 * GMM node-major (PMs by capacity: p2 then p1; VMs by max: d, a, b, c, e):
 *   p2 (3000): d at max (500 left), a at min 400 (100 left), b no, c at
 *   min 100 (0 left); p1 (1000): b at max. e: memory, unplaced.
 * BS-min (first-fit decreasing by min: d 2000, a 400, b 300, c 100, e;
 *   PMs in file order p1 1000, p2 3000): d → p2 (1000 left), a → p1 (600),
 *   b → p1 (300), c → p1 (200), e unplaced. */
XGC_TEST(packer_variants)
{
    xgc_place_problem_t *p = s_packers_case();
    int pm_of[5];
    xgc_place_options_t o = xgc_place_options_default(XGC_PLACE_GMM);
    o.gmm_node_major = true;
    CHECK(p && xgc_place_run(p, &o, NULL, NULL, pm_of) == 0);
    CHECK(pm_of[3] == 1 && pm_of[0] == 1 && pm_of[2] == 1 && pm_of[1] == 0 && pm_of[4] == -1);
    o = xgc_place_options_default(XGC_PLACE_BS);
    o.bs_min = true;
    CHECK(xgc_place_run(p, &o, NULL, NULL, pm_of) == 0);
    CHECK(pm_of[3] == 1 && pm_of[0] == 0 && pm_of[1] == 0 && pm_of[2] == 0 && pm_of[4] == -1);
    xgc_place_problem_destroy(&p);
}

/* PEMM's variants on the x/y case of emm_expands_pemm_weighs_power.
 * GREEDY (one pass, x then y; the two PMs are one class, p1 its first
 * empty): x → p1 (20 − P). y: join p1 = 30 − 20 = +10, open p2 = 20 − P.
 *   P = 15: +10 > 5 → p1, Net 15. P = 5: 15 > 10 → p2, Net 30.
 * FORWARD: first-fit at min packs both on p1, so k starts at 1: Net 30 − P;
 *   k = 2: EMM spreads, 40 − 2P. P = 15 keeps k = 1 (15), P = 5 takes k = 2
 *   (30). Both equal the default PEMM here. */
XGC_TEST(pemm_variants)
{
    xgc_vm_spec_t vms[] = {s_vm("x", 500, 1500, 1, 1, 10, 20), s_vm("y", 500, 1500, 1, 1, 10, 20)};
    double costs[] = {15, 5}, net[] = {15, 30};
    xgc_place_pemm_t variants[] = {XGC_PLACE_PEMM_GREEDY, XGC_PLACE_PEMM_FORWARD};
    for (int c = 0; c < 2; c++) {
        xgc_pm_spec_t pms[] = {s_pm("p1", 2000, 1000, costs[c]), s_pm("p2", 2000, 1000, costs[c])};
        xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 2);
        CHECK(p);
        for (int v = 0; v < 2; v++) {
            xgc_place_options_t o = xgc_place_options_default(XGC_PLACE_PEMM);
            o.pemm = variants[v];
            int pm_of[2];
            xgc_place_score_t sc;
            char err[128];
            CHECK(xgc_place_run(p, &o, NULL, NULL, pm_of) == 0);
            CHECK(xgc_place_score(p, pm_of, NULL, &sc, err, sizeof err) == 0);
            CHECK_NEAR(sc.net, net[c], 1e-9);
        }
        xgc_place_problem_destroy(&p);
    }
}

/* GM's ties: equal max → higher Umax/max first, then name. p1 has room for
 * one VM at max 1000: "z" (Umax 30) beats "a" and "b" (Umax 10), and of
 * those two "a" wins by name for p2. */
XGC_TEST(gm_ties_by_profitability_then_name)
{
    xgc_pm_spec_t pms[] = {s_pm("p1", 1000, 1000, 0), s_pm("p2", 1000, 1000, 0)};
    xgc_vm_spec_t vms[] = {s_vm("b", 500, 1000, 1, 1, 5, 10), s_vm("a", 500, 1000, 1, 1, 5, 10),
                           s_vm("z", 500, 1000, 1, 1, 5, 30)};
    xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 3);
    int pm_of[3];
    CHECK(p && s_place(p, XGC_PLACE_GM, pm_of) == 0);
    CHECK(pm_of[2] == 0 && pm_of[1] == 1 && pm_of[0] == -1);
    xgc_place_problem_destroy(&p);
}

/* EMM and PEMM on two equal PMs (2000 MHz) and two equal VMs x, y:
 * min 500, max 1500, shares 1, Umin 10, Umax 20 (g = 0.01 per MHz).
 * Admission at min packs both on p1: spare 1000 split 1:1 → 1000 each →
 * U = 15 each, 30 in all. Moving one to p2: both alone get 1500 → 40, a
 * gain of +10. x comes first (equal keys, name), so x moves to p2.
 * With power cost P per PM: packed Net = 30 − P, spread Net = 40 − 2P.
 * P = 15: packed 15 > spread 10 → PEMM keeps them together, EMM (blind to
 * power) spreads (Net 10). P = 5: spread 30 > packed 25 → both spread. */
XGC_TEST(emm_expands_pemm_weighs_power)
{
    xgc_vm_spec_t vms[] = {s_vm("x", 500, 1500, 1, 1, 10, 20), s_vm("y", 500, 1500, 1, 1, 10, 20)};
    double costs[] = {15, 5}, pemm_net[] = {15, 30};
    int pm_of[2];
    xgc_place_score_t sc;
    char err[128];
    for (int c = 0; c < 2; c++) {
        xgc_pm_spec_t pms[] = {s_pm("p1", 2000, 1000, costs[c]), s_pm("p2", 2000, 1000, costs[c])};
        xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 2);
        CHECK(p && s_place(p, XGC_PLACE_EMM, pm_of) == 0);
        CHECK(pm_of[0] == 1 && pm_of[1] == 0);
        CHECK(xgc_place_score(p, pm_of, NULL, &sc, err, sizeof err) == 0);
        CHECK_NEAR(sc.net, 40 - 2 * costs[c], 1e-9);
        for (int alg = XGC_PLACE_PEMM; alg <= XGC_PLACE_XGC; alg++) {
            CHECK(s_place(p, (xgc_place_algorithm_t)alg, pm_of) == 0);
            CHECK(xgc_place_score(p, pm_of, NULL, &sc, err, sizeof err) == 0);
            CHECK_NEAR(sc.net, pemm_net[c], 1e-9);
        }
        xgc_place_problem_destroy(&p);
    }
}

/* Memory is hard in EMM: p1 has 1000 MB, x and y need 600 MB each, so the
 * admission cannot pack them (CPU would allow it): y goes to p2. With a
 * power cost of 100 per PM, PEMM cannot close p2 either: Net 40 − 200. */
XGC_TEST(memory_is_hard_everywhere)
{
    xgc_pm_spec_t pms[] = {s_pm("p1", 2000, 1000, 100), s_pm("p2", 2000, 1000, 100)};
    xgc_vm_spec_t vms[] = {s_vm("x", 500, 1500, 1, 600, 10, 20),
                           s_vm("y", 500, 1500, 1, 600, 10, 20)};
    xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 2);
    int pm_of[2];
    CHECK(p);
    for (int alg = 0; alg < XGC_PLACE_ALGORITHMS; alg++) {
        CHECK(s_place(p, (xgc_place_algorithm_t)alg, pm_of) == 0);
        CHECK(pm_of[0] >= 0 && pm_of[1] >= 0 && pm_of[0] != pm_of[1]);
    }
    xgc_place_problem_destroy(&p);
}

/* A pinned VM stays where it is, whatever the algorithm prefers; a VM not
 * pinned may move. x pinned on p2 alone with y: y, free to move, leaves
 * for p1 under EMM (both then get their max). */
XGC_TEST(pinned_vms_stay)
{
    xgc_pm_spec_t pms[] = {s_pm("p1", 2000, 1000, 0), s_pm("p2", 2000, 1000, 0)};
    xgc_vm_spec_t vms[] = {s_vm("x", 500, 1500, 1, 1, 10, 20), s_vm("y", 500, 1500, 1, 1, 10, 20)};
    xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 2);
    int initial[2] = {1, 1}, pm_of[2];
    bool pinned[2] = {true, false};
    CHECK(p);
    for (int alg = 0; alg < XGC_PLACE_ALGORITHMS; alg++) {
        xgc_place_options_t o = xgc_place_options_default((xgc_place_algorithm_t)alg);
        CHECK(xgc_place_run(p, &o, initial, pinned, pm_of) == 0);
        CHECK(pm_of[0] == 1);
        if (alg >= XGC_PLACE_EMM)
            CHECK(pm_of[1] == 0);
    }
    int bad[2] = {0, 5};
    xgc_place_options_t o = xgc_place_options_default(XGC_PLACE_EMM);
    CHECK(xgc_place_run(p, &o, bad, NULL, pm_of) == -1);
    xgc_place_problem_destroy(&p);
}

/* The state API a re-planner uses: gains equal the change of Net, the best
 * move is the one worked out above (+10 for x to the empty p2). */
XGC_TEST(state_api_for_replanning)
{
    xgc_pm_spec_t pms[] = {s_pm("p1", 2000, 1000, 3), s_pm("p2", 2000, 1000, 3)};
    xgc_vm_spec_t vms[] = {s_vm("x", 500, 1500, 1, 1, 10, 20), s_vm("y", 500, 1500, 1, 1, 10, 20)};
    xgc_place_problem_t *p = xgc_place_problem_new(pms, 2, vms, 2);
    int packed[2] = {0, 0};
    xgc_place_state_t *s = xgc_place_state_new(p, packed);
    CHECK(p && s);
    CHECK_NEAR(xgc_place_state_net(s), 30 - 3, 1e-9);
    CHECK_NEAR(xgc_place_state_move_gain(s, 0, 1, false), 10, 1e-9);
    CHECK_NEAR(xgc_place_state_move_gain(s, 0, 1, true), 10 - 3, 1e-9);
    CHECK_NEAR(xgc_place_state_move_gain(s, 0, XGC_PLACE_UNPLACED, true), 20 - 30, 1e-9);
    double gain;
    CHECK(xgc_place_state_best_move(s, 0, true, 8, &gain) == 1);
    CHECK_NEAR(gain, 7, 1e-9);
    CHECK_NEAR(xgc_place_state_alloc(s, 1), 1000, 1e-9);
    xgc_place_state_move(s, 0, 1);
    CHECK_NEAR(xgc_place_state_net(s), 40 - 6, 1e-9);
    CHECK(xgc_place_state_pm_count(s, 0) == 1 && xgc_place_state_pm_of(s, 0) == 1);
    CHECK_NEAR(xgc_place_state_pm_headroom(s, 0), 1500, 1e-9);
    CHECK(xgc_place_problem_find_vm(p, "y") == 1 && xgc_place_problem_find_pm(p, "p3") == -1);
    /* Swapping two equal VMs on two PMs changes nothing. */
    CHECK_NEAR(xgc_place_state_swap_gain(s, 0, 1), 0, 1e-9);
    xgc_place_state_destroy(&s);
    xgc_place_problem_destroy(&p);
}

/* A generated instance of 400 VMs on 30 PMs, p = 3000 (NULL on failure;
 * the caller frees *pms and *vms). */
static xgc_place_problem_t *s_generated(unsigned long long seed, xgc_pm_spec_t **pms,
                                        xgc_vm_spec_t **vms)
{
    xgc_place_gen_t gen = xgc_place_gen_default(400, 30);
    gen.power = 3000;
    *pms = NULL;
    *vms = NULL;
    if (xgc_place_generate(&gen, seed, pms, vms) < 0)
        return NULL;
    return xgc_place_problem_new(*pms, 30, *vms, 400);
}

/* Same input, same output: every algorithm twice on a generated instance. */
XGC_TEST(deterministic)
{
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    xgc_place_problem_t *p = s_generated(5, &pms, &vms);
    int a[400], b[400];
    CHECK(p);
    for (int alg = 0; alg < XGC_PLACE_ALGORITHMS; alg++) {
        CHECK(s_place(p, (xgc_place_algorithm_t)alg, a) == 0);
        CHECK(s_place(p, (xgc_place_algorithm_t)alg, b) == 0);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    xgc_place_problem_destroy(&p);
    free(pms);
    free(vms);
}

/* A state built from a plan in one sweep equals the same plan built VM by
 * VM: every PM's utility and Net; and a plan over a PM's capacity is refused. */
XGC_TEST(state_from_plan_equals_moves)
{
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    xgc_place_problem_t *p = s_generated(7, &pms, &vms);
    int plan[400];
    CHECK(p && s_place(p, XGC_PLACE_PEMM, plan) == 0);
    xgc_place_state_t *one = xgc_place_state_new(p, plan), *moved = xgc_place_state_new(p, NULL);
    CHECK(one && moved);
    for (size_t i = 0; moved && i < 400; i++)
        xgc_place_state_move(moved, i, plan[i]);
    for (size_t j = 0; one && moved && j < 30; j++)
        CHECK_NEAR(xgc_place_state_pm_utility(one, j), xgc_place_state_pm_utility(moved, j), 1e-6);
    CHECK_NEAR(xgc_place_state_net(one), xgc_place_state_net(moved), 1e-6);
    for (size_t i = 0; i < 400; i++)
        plan[i] = 0;                     /* everything on one PM: over capacity */
    xgc_place_state_t *over = xgc_place_state_new(p, plan);
    CHECK(over == NULL);
    xgc_place_state_destroy(&one);
    xgc_place_state_destroy(&moved);
    xgc_place_problem_destroy(&p);
    free(pms);
    free(vms);
}

int main(void)
{
    XGC_TEST_RUN(packers_follow_their_rules);
    XGC_TEST_RUN(packer_variants);
    XGC_TEST_RUN(pemm_variants);
    XGC_TEST_RUN(gm_ties_by_profitability_then_name);
    XGC_TEST_RUN(emm_expands_pemm_weighs_power);
    XGC_TEST_RUN(memory_is_hard_everywhere);
    XGC_TEST_RUN(pinned_vms_stay);
    XGC_TEST_RUN(state_api_for_replanning);
    XGC_TEST_RUN(deterministic);
    XGC_TEST_RUN(state_from_plan_equals_moves);
    return XGC_TEST_END();
}
