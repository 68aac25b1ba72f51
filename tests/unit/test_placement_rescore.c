/* Unit tests of the pruning of candidate PMs: a VM's best move scores a
 * candidate exactly only when an upper bound on its gain says it could be
 * the answer. That must change nothing: the same plans as scoring every
 * candidate (the option rescore_all), the same best move (bit for bit) as a
 * state that does not prune, after any sequence of moves. White-box: it
 * uses the core's internal header to turn pruning off in a state. */
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"
#include "xgc_test.h"

/* A generated problem of n VMs on n/8 PMs with power cost `power`. */
static xgc_place_problem_t *s_problem(size_t n, double power, unsigned seed)
{
    xgc_place_gen_t gen = xgc_place_gen_default(n, n / 8 + 1);
    gen.power = power;
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    if (xgc_place_generate(&gen, seed, &pms, &vms) < 0)
        return NULL;
    xgc_place_problem_t *p = xgc_place_problem_new(pms, gen.pms, vms, gen.vms);
    free(pms);
    free(vms);
    return p;
}

XGC_TEST(same_plans_as_rescoring_everything)
{
    xgc_place_algorithm_t algs[] = {XGC_PLACE_EMM, XGC_PLACE_PEMM, XGC_PLACE_XGC};
    int candidates[] = {4, 1, 2};
    int runs = 0, differ = 0;
    for (unsigned t = 0; t < 12; t++) {
        size_t n = 40 + 20 * t;
        xgc_place_problem_t *p = s_problem(n, 1000.0 * (t % 6), 7 + t);
        CHECK(p != NULL);
        int *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        for (int k = 0; k < (t % 3 ? 2 : 3); k++) {
            xgc_place_options_t o = xgc_place_options_default(algs[k]);
            o.candidates = candidates[(t + (unsigned)k) % 3];
            o.must_place_all = t % 4 != 3;
            o.pemm = t % 5 == 4 ? XGC_PLACE_PEMM_FORWARD : XGC_PLACE_PEMM_MOVES;
            CHECK(xgc_place_run(p, &o, NULL, NULL, a) == 0);
            o.rescore_all = true;
            CHECK(xgc_place_run(p, &o, NULL, NULL, b) == 0);
            differ += memcmp(a, b, n * sizeof *a) != 0;
            runs++;
        }
        free(a);
        free(b);
        xgc_place_problem_destroy(&p);
    }
    CHECK(runs == 28);
    CHECK(differ == 0);
}

/* Random moves (some undone at once, as the closing pass does) on two
 * states in step, one pruning and one scoring every candidate: after each,
 * their best moves for a few VMs are the same, bit for bit, with and without
 * a floor and an excluded PM. */
XGC_TEST(best_move_equals_a_full_evaluation)
{
    size_t n = 240;
    xgc_place_problem_t *p = s_problem(n, 2000, 3);
    CHECK(p != NULL);
    size_t npm = xgc_place_problem_pms(p);
    int *pm_of = malloc(n * sizeof *pm_of);
    xgc_place_options_t o = xgc_place_options_default(XGC_PLACE_GM);
    CHECK(xgc_place_run(p, &o, NULL, NULL, pm_of) == 0);
    xgc_place_state_t *s = xgc_place_state_new(p, pm_of), *full = xgc_place_state_new(p, pm_of);
    CHECK(s && full);
    xgc_place_state_prune(full, false);
    unsigned long r = 12345;
    int checked = 0, mismatches = 0;
    for (int step = 0; step < 400; step++) {
        r = r * 6364136223846793005UL + 1442695040888963407UL;
        size_t vm = (r >> 33) % n, pm = (r >> 17) % npm;
        int was = xgc_place_state_pm_of(s, vm);
        if (xgc_place_state_fits(s, vm, pm)) {
            xgc_place_state_move(s, vm, (int)pm);
            xgc_place_state_move(full, vm, (int)pm);
            if (step % 3 == 0) {                       /* undone */
                xgc_place_state_move(s, vm, was);
                xgc_place_state_move(full, vm, was);
            }
        }
        for (int q = 0; q < 6; q++) {
            size_t v = (vm + 37 * (size_t)q) % n;
            bool power = q % 2;
            int k = 1 + q % 4, exclude = q == 5 ? (int)pm : -1;
            double g1, g2, g3, g4;
            int j1 = xgc_place_state_best_move(s, v, power, k, &g1);
            int j2 = xgc_place_state_best_move(full, v, power, k, &g2);
            int j3 = xgc_place_best(s, v, power, k, q != 4, exclude, &g3);
            int j4 = xgc_place_best(full, v, power, k, q != 4, exclude, &g4);
            mismatches += j1 != j2 || g1 != g2 || j3 != j4 || g3 != g4;
            checked++;
        }
    }
    CHECK(checked == 2400);
    CHECK(mismatches == 0);
    xgc_place_state_destroy(&s);
    xgc_place_state_destroy(&full);
    free(pm_of);
    xgc_place_problem_destroy(&p);
}

int main(void)
{
    XGC_TEST_RUN(same_plans_as_rescoring_everything);
    XGC_TEST_RUN(best_move_equals_a_full_evaluation);
    return XGC_TEST_END();
}
