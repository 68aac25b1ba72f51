/* Unit tests of water-filling (scheduler/placement): the hand-worked case,
 * the four properties of ALGORITHMS.md on random sets, and agreement between
 * the array version and the incremental state's per-PM O(k) version. */
#include <stdlib.h>

#include "scheduler/placement/placement.h"
#include "xgc_test.h"

/* Capacity 3000; mins 500, 500, 1000 (Σ 2000, spare 1000); shares 1, 1, 2;
 * max 700, 2000, 2000. Levels (max−min)/shares: a 200, b 1500, c 500.
 * Raise λ: at λ = 200 a is capped, spent 200·(1+1+2) = 800, spare left 200;
 * then b and c share 200 in ratio 1:2 → λ += 200/3: b = 500 + 266.67,
 * c = 1000 + 533.33. Total 700 + 766.67 + 1533.33 = 3000. */
XGC_TEST(hand_worked_case)
{
    double min[] = {500, 500, 1000}, max[] = {700, 2000, 2000}, sh[] = {1, 1, 2}, x[3];
    CHECK(xgc_place_waterfill(3, min, max, sh, 3000, x) == 0);
    CHECK_NEAR(x[0], 700, 1e-9);
    CHECK_NEAR(x[1], 500 + 800.0 / 3, 1e-9);
    CHECK_NEAR(x[2], 1000 + 1600.0 / 3, 1e-9);
    CHECK(xgc_place_waterfill(3, min, max, sh, 1999, x) == -1);   /* Σ min > C */
}

static double s_rand(double lo, double hi)
{
    return lo + (hi - lo) * (rand() / (RAND_MAX + 1.0));
}

XGC_TEST(properties_on_random_sets)
{
    srand(7);
    for (int trial = 0; trial < 2000; trial++) {
        size_t k = 1 + (size_t)(rand() % 12);
        double min[12], max[12], sh[12], x[12], summin = 0, summax = 0;
        for (size_t i = 0; i < k; i++) {
            min[i] = s_rand(0, 1000);
            max[i] = min[i] + (rand() % 4 == 0 ? 0 : s_rand(0, 2000));
            sh[i] = s_rand(0.1, 10);
            summin += min[i];
            summax += max[i];
        }
        double cap = summin + s_rand(0, summax - summin + 500);
        CHECK(xgc_place_waterfill(k, min, max, sh, cap, x) == 0);
        double total = 0;
        for (size_t i = 0; i < k; i++) {
            CHECK(x[i] >= min[i] - 1e-9);                 /* min always granted */
            CHECK(x[i] <= max[i] + 1e-9);
            total += x[i];
        }
        CHECK(total <= cap + 1e-6);                       /* total ≤ capacity */
        if (summax <= cap) {                              /* all at max when they fit */
            for (size_t i = 0; i < k; i++)
                CHECK_NEAR(x[i], max[i], 1e-6);
        } else {
            CHECK_NEAR(total, cap, 1e-6);                 /* work-conserving */
        }
        /* Below max, the spare is split in the ratio of shares. */
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                if (x[a] < max[a] - 1e-6 && x[b] < max[b] - 1e-6)
                    CHECK_NEAR((x[a] - min[a]) * sh[b], (x[b] - min[b]) * sh[a], 1e-6);
    }
}

XGC_TEST(state_agrees_with_arrays)
{
    xgc_place_gen_t gen = xgc_place_gen_default(60, 4);
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    CHECK(xgc_place_generate(&gen, 11, &pms, &vms) == 0);
    xgc_place_problem_t *p = xgc_place_problem_new(pms, 4, vms, 60);
    CHECK(p);
    xgc_place_state_t *s = xgc_place_state_new(p, NULL);
    CHECK(s);
    srand(3);
    for (int step = 0; step < 400; step++) {
        size_t vm = (size_t)rand() % 60;
        int to = rand() % 5 - 1;
        double gain = xgc_place_state_move_gain(s, vm, to, true);
        double before = xgc_place_state_net(s);
        if (gain == -HUGE_VAL) {
            CHECK(to >= 0 && !xgc_place_state_fits(s, vm, (size_t)to));
            continue;
        }
        xgc_place_state_move(s, vm, to);
        CHECK_NEAR(xgc_place_state_net(s) - before, gain, 1e-6);
    }
    /* The state's Net and allocations against a fresh scoring. */
    xgc_place_score_t a, b;
    double alloc[60];
    char err[128];
    xgc_place_state_score(s, &a);
    CHECK(xgc_place_score(p, xgc_place_state_assignment(s), alloc, &b, err, sizeof err) == 0);
    CHECK_NEAR(a.net, b.net, 1e-6);
    for (size_t j = 0; j < 4; j++) {
        double min[60], max[60], sh[60], x[60];
        size_t k = 0, idx[60];
        for (size_t i = 0; i < 60; i++)
            if (xgc_place_state_pm_of(s, i) == (int)j) {
                min[k] = vms[i].min_mhz;
                max[k] = vms[i].max_mhz;
                sh[k] = vms[i].shares;
                idx[k++] = i;
            }
        CHECK(xgc_place_waterfill(k, min, max, sh, pms[j].cpu_mhz, x) == 0);
        double u = 0;
        for (size_t r = 0; r < k; r++) {
            CHECK_NEAR(alloc[idx[r]], x[r], 1e-6);
            u += xgc_place_utility(&vms[idx[r]], x[r]);
        }
        CHECK_NEAR(xgc_place_state_pm_utility(s, j), u, 1e-6);
    }
    xgc_place_state_destroy(&s);
    xgc_place_problem_destroy(&p);
    free(pms);
    free(vms);
}

int main(void)
{
    XGC_TEST_RUN(hand_worked_case);
    XGC_TEST_RUN(properties_on_random_sets);
    XGC_TEST_RUN(state_agrees_with_arrays);
    return XGC_TEST_END();
}
