/* Unit tests against the exact optimum: on small random instances (8 VMs ×
 * 3 PMs, tight capacity, power cost from none to dominant) the exhaustive
 * search bounds every algorithm from above, and ours (xgc) comes close.
 * Prints how close each algorithm comes (mean and worst Net/optimum). */
#include <stdlib.h>

#include "scheduler/placement/placement.h"
#include "xgc_test.h"

#define TRIALS 30

XGC_TEST(no_algorithm_above_the_optimum)
{
    double sum[XGC_PLACE_ALGORITHMS] = {0}, worst[XGC_PLACE_ALGORITHMS];
    int counted = 0;
    for (int a = 0; a < XGC_PLACE_ALGORITHMS; a++)
        worst[a] = 1;
    for (int t = 0; t < TRIALS; t++) {
        xgc_place_gen_t gen = xgc_place_gen_default(t % 2 ? 8 : 7, 3);
        gen.caps[0] = 2000;
        gen.caps[1] = 3000;
        gen.caps[2] = 4000;
        gen.power = (t % 5) * 1000;
        xgc_pm_spec_t *pms;
        xgc_vm_spec_t *vms;
        CHECK(xgc_place_generate(&gen, 100 + (unsigned)t, &pms, &vms) == 0);
        xgc_place_problem_t *p = xgc_place_problem_new(pms, gen.pms, vms, gen.vms);
        int opt[8], pm_of[8];
        xgc_place_score_t best, sc;
        char err[128];
        CHECK(p && xgc_place_exhaustive(p, opt) == 0);
        CHECK(xgc_place_score(p, opt, NULL, &best, err, sizeof err) == 0);
        double pemm = 0;
        for (int a = 0; a < XGC_PLACE_ALGORITHMS; a++) {
            xgc_place_options_t o = xgc_place_options_default((xgc_place_algorithm_t)a);
            CHECK(xgc_place_run(p, &o, NULL, NULL, pm_of) == 0);
            CHECK(xgc_place_score(p, pm_of, NULL, &sc, err, sizeof err) == 0);
            CHECK(sc.net <= best.net + 1e-6);            /* nobody beats the optimum */
            if (a == XGC_PLACE_PEMM)
                pemm = sc.net;
            if (a == XGC_PLACE_XGC)
                CHECK(sc.net >= pemm - 1e-6);            /* ours starts from PEMM */
            if (best.net > 1e-9) {
                sum[a] += sc.net / best.net;
                worst[a] = fmin(worst[a], sc.net / best.net);
            }
        }
        counted += best.net > 1e-9;
        xgc_place_problem_destroy(&p);
        free(pms);
        free(vms);
    }
    printf("Net / exhaustive optimum over %d instances (mean, worst):\n", counted);
    for (int a = 0; a < XGC_PLACE_ALGORITHMS; a++)
        printf("  %-5s %6.2f%% %6.2f%%\n", xgc_place_algorithm_name((xgc_place_algorithm_t)a),
               100 * sum[a] / counted, 100 * worst[a]);
    CHECK(sum[XGC_PLACE_XGC] / counted >= 0.99);         /* ours within 1 % on average */
}

/* The exhaustive search itself, on a case worked by hand: one PM of 1000
 * MHz costing 5, VMs a (min 600, Umin 10) and b (min 600, Umin 8), min =
 * max. Both cannot share the PM (1200 > 1000); the best is a alone:
 * 10 − 5 = 5 (b alone 3, nothing 0). */
XGC_TEST(exhaustive_by_hand)
{
    xgc_pm_spec_t pm = {.name = "p", .cpu_mhz = 1000, .mem_mb = 10, .power_cost = 5,
                        .driver = "sim"};
    xgc_vm_spec_t vms[2] = {{.name = "a", .min_mhz = 600, .max_mhz = 600, .shares = 1,
                             .utility_min = 10, .utility_max = 10},
                            {.name = "b", .min_mhz = 600, .max_mhz = 600, .shares = 1,
                             .utility_min = 8, .utility_max = 8}};
    xgc_place_problem_t *p = xgc_place_problem_new(&pm, 1, vms, 2);
    int opt[2];
    CHECK(p && xgc_place_exhaustive(p, opt) == 0);
    CHECK(opt[0] == 0 && opt[1] == -1);
    xgc_place_problem_destroy(&p);
}

int main(void)
{
    XGC_TEST_RUN(no_algorithm_above_the_optimum);
    XGC_TEST_RUN(exhaustive_by_hand);
    return XGC_TEST_END();
}
