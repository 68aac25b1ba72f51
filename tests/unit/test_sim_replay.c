/* test_sim_replay.c — a short replay (16 VMs, 8 PMs, 3 hours of a fixed
 * synthetic trace) whose metrics are pinned for every policy: any change
 * of the engine or a policy that moves them shows here. The figures were
 * produced by this code; they are regression pins, not hand computations
 * (test_sim_engine.c has those). */
#include <math.h>
#include <stdlib.h>

#include "scheduler/sim/sim.h"
#include "xgc_test.h"

/* Bursty but deterministic: a slow wave per VM plus spikes. */
static xgc_trace_t *s_trace(void)
{
    enum { N = 16, STEPS = 36 };
    float cpu[N * STEPS];
    for (int v = 0; v < N; v++)
        for (int k = 0; k < STEPS; k++) {
            double x = 35 + 30 * sin(0.3 * k + v) + ((k * 7 + v * 3) % 11 == 0 ? 40 : 0);
            cpu[v * STEPS + k] = (float)(x < 0 ? 0 : x > 100 ? 100 : floor(x));
        }
    cpu[3 * STEPS + 5] = 0;   /* one 0 % sample: CloudSim-2011 removes VM 3 */
    return xgc_trace_new(N, STEPS, 300, cpu);
}

typedef struct {
    const char *policy;
    int cloudsim;
    double energy_kwh, slatah, pdm;
    long migrations;
} pin_t;

static const pin_t s_pins[] = {
#include "test_sim_replay.pins"
};

XGC_TEST(pinned_metrics)
{
    xgc_trace_t *t = s_trace();
    for (size_t i = 0; i < sizeof s_pins / sizeof s_pins[0]; i++) {
        xgc_sim_config_t cfg;
        xgc_sim_config_default(&cfg);
        cfg.n_pms = 8;
        cfg.policy = s_pins[i].policy;
        cfg.cloudsim_2011 = s_pins[i].cloudsim;
        xgc_sim_result_t r;
        char err[256];
        CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == 0);
        if (getenv("XGC_PRINT_PINS"))
            printf("    {\"%s\", %d, %.9f, %.9f, %.9f, %ld},\n", cfg.policy, cfg.cloudsim_2011,
                   r.energy_kwh, r.slatah, r.pdm, r.migrations);
        else {
            CHECK_NEAR(r.energy_kwh, s_pins[i].energy_kwh, 1e-8);
            CHECK_NEAR(r.slatah, s_pins[i].slatah, 1e-8);
            CHECK_NEAR(r.pdm, s_pins[i].pdm, 1e-8);
            CHECK(r.migrations == s_pins[i].migrations);
        }
        xgc_sim_result_free(&r);
    }
    xgc_trace_destroy(&t);
}

int main(void)
{
    XGC_TEST_RUN(pinned_metrics);
    return XGC_TEST_END();
}
