/* test_sim_baseline.c — the baselines' initial placement: PABFD places the
 * VMs largest first, so that small VMs listed first cannot take the room of
 * a large one on the only PM whose core fits it (with VM types dealt at
 * random, LR-MMT used to leave such VMs unplaced for the whole run, a
 * lighter workload than the other policies served). */
#include <stdlib.h>

#include "scheduler/sim/sim.h"
#include "scheduler/sim/trace.h"
#include "xgc_test.h"

/* VMs of 1500, 1500, 2500 and 2000 MIPS at 50 %, in that order. PM 0 is a
 * G4 (cores of 1860: too small for the 2500 and the 2000), PM 1 a G5. In
 * list order the second 1500 and the 2500 fill the G5 to 4000 of its 5320
 * MIPS, and the 2000 finds no PM; largest first, the 2500 and the 2000 take
 * the G5 and the 1500s the G4. */
static xgc_trace_t *s_trace(void)
{
    enum { N = 4, STEPS = 4 };
    float cpu[N * STEPS];
    for (int i = 0; i < N * STEPS; i++)
        cpu[i] = 50;
    xgc_trace_t *t = xgc_trace_new(N, STEPS, 300, cpu);
    const double mips[N] = {1500, 1500, 2500, 2000};
    for (int v = 0; v < N; v++) {
        t->vms[v].mips = mips[v];
        t->vms[v].ram_mb = 870;
        t->vms[v].type = -1;
    }
    return t;
}

static long s_unplaced(const char *policy, int cloudsim)
{
    xgc_trace_t *t = s_trace();
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    cfg.n_pms = 2;
    cfg.policy = policy;
    cfg.cloudsim_2011 = cloudsim;
    xgc_sim_result_t r;
    char err[256];
    long unplaced = -1;
    if (xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == 0) {
        unplaced = r.vms_unplaced;
        xgc_sim_result_free(&r);
    }
    xgc_trace_destroy(&t);
    return unplaced;
}

XGC_TEST(largest_first_places_every_vm)
{
    CHECK(s_unplaced("lr-mmt-1.2", 0) == 0);
    CHECK(s_unplaced("thr-mmt-0.8", 0) == 0);
    CHECK(s_unplaced("xgc", 0) == 0);
}

int main(void)
{
    XGC_TEST_RUN(largest_first_places_every_vm);
    return XGC_TEST_END();
}
