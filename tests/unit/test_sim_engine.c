/* test_sim_engine.c — the engine against hand computations: energy of
 * constant loads to the watt-hour, SLATAH/PDM of a PM overloaded for a known
 * time, one migration whose time, CPU loss and energy are worked out by
 * hand. Placements and migrations are scripted (no policy logic). */
#include <stdlib.h>

#include "scheduler/sim/sim_internal.h"
#include "xgc_test.h"

typedef struct {
    const int *place;          /* PM of each VM */
    int move_step, move_vm, move_dest;
    int move_again;            /* then also to this PM in the same round (0: no) */
} script_t;

static int s_place(void *self, xgc_sim_t *sim, int v)
{
    (void)sim;
    return ((script_t *)self)->place[v];
}

static int s_decide(void *self, xgc_sim_t *sim, sim_move_t *moves, int max)
{
    script_t *s = self;
    if (sim->step != s->move_step || max < 1)
        return 0;
    moves[0] = (sim_move_t){s->move_vm, s->move_dest};
    if (s->move_again <= 0 || max < 2)
        return 1;
    moves[1] = (sim_move_t){s->move_vm, s->move_again};
    return 2;
}

static int s_run_mode(const xgc_trace_t *t, script_t *script, int n_pms, int cloudsim,
                      xgc_sim_result_t *r, const xgc_sim_observer_t *obs)
{
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    cfg.n_pms = n_pms;
    cfg.cloudsim_2011 = cloudsim;
    sim_policy_t p = {script, s_place, s_decide, NULL, 0};
    char err[256];
    return sim_run_policy(t, &cfg, p, obs, r, err, sizeof err);
}

static int s_run(const xgc_trace_t *t, script_t *script, int n_pms, xgc_sim_result_t *r,
                 const xgc_sim_observer_t *obs)
{
    return s_run_mode(t, script, n_pms, 0, r, obs);
}

/* n VMs x steps samples, all at the given % per VM. */
static xgc_trace_t *s_constant(int n, int steps, const float *pct)
{
    float *cpu = malloc(sizeof *cpu * (size_t)(n * steps));
    for (int v = 0; v < n; v++)
        for (int k = 0; k < steps; k++)
            cpu[v * steps + k] = pct[v];
    xgc_trace_t *t = xgc_trace_new(n, steps, 300, cpu);
    free(cpu);
    return t;
}

XGC_TEST(energy_of_constant_loads)
{
    /* 4 VMs: types 2500, 2000, 1000, 500 MIPS. PM0 (G4) gets VM2 + VM3,
     * PM1 (G5) VM0 + VM1, PM2 and PM3 stay empty (asleep, 0 W). */
    float pct[] = {40, 50, 30, 20};
    xgc_trace_t *t = s_constant(4, 12, pct);
    int place[] = {1, 1, 0, 0};
    script_t s = {place, -1, 0, 0, 0};
    xgc_sim_result_t r;
    CHECK(s_run(t, &s, 4, &r, NULL) == 0);
    /* G4: (300 + 100) / 3720 = 10.753 %: 89.4 + 3.2 * 0.0753 = 89.6409 W.
     * G5: (1000 + 1000) / 5320 = 37.594 %: 105 + 5 * 0.7594 = 108.7970 W.
     * One hour: 198.4379 Wh. */
    double g4 = 89.4 + (92.6 - 89.4) * (400.0 / 3720 * 10 - 1);
    double g5 = 105 + (110 - 105) * (2000.0 / 5320 * 10 - 3);
    CHECK_NEAR(g4 + g5, 198.438, 0.001);
    CHECK_NEAR(r.energy_kwh * 1000, g4 + g5, 0.001);
    CHECK_NEAR(r.slatah, 0, 0);
    CHECK_NEAR(r.pdm, 0, 0);
    CHECK(r.migrations == 0 && r.active[0] == 2 && r.sleeps == 0);
    CHECK_NEAR(r.active_pm_hours, 2, 1e-9);
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
}

XGC_TEST(cloudsim_timeline)
{
    /* CloudSim's first update is one interval after the start and its last
     * at the last sample: with the loads of energy_of_constant_loads over
     * 12 steps, 10 intervals count (steps 1..10), not 12. A VM at 0 % only
     * at sample 0 is not removed (no update then); one at 0 % at sample 2
     * is. */
    float pct[] = {40, 50, 30, 20};
    xgc_trace_t *t = s_constant(4, 12, pct);
    t->cpu[0 * 12 + 0] = 0;   /* VM0 idle at sample 0 only */
    t->cpu[3 * 12 + 2] = 0;   /* VM3 idle at sample 2 */
    int place[] = {1, 1, 0, 0};
    script_t s = {place, -1, 0, 0, 0};
    xgc_sim_result_t r;
    CHECK(s_run_mode(t, &s, 4, 1, &r, NULL) == 0);
    CHECK(r.vms_removed == 1);
    /* PM1 (VM0, VM1) at 2000 MIPS for steps 1..10 (VM0's ramp from 0 is in
     * step 0, which does not count); PM0 goes from 400 to 300 MIPS over
     * step 1 (VM3 falls to 0 %), then holds VM2 only. */
    double g5 = xgc_power_at(&xgc_power_g5, 2000.0 / 5320);
    double g4_both = xgc_power_at(&xgc_power_g4, 400.0 / 3720);
    double g4_vm2 = xgc_power_at(&xgc_power_g4, 300.0 / 3720);
    double wh = (10 * g5 + (g4_both + g4_vm2) / 2 + 9 * g4_vm2) * 300 / 3600;
    CHECK_NEAR(r.energy_kwh * 1000, wh, 1e-6);
    CHECK_NEAR(r.active_pm_hours, 20 * 300 / 3600.0, 1e-9);
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
}

XGC_TEST(npa_is_every_pm_at_full_power)
{
    float pct[] = {10};
    xgc_trace_t *t = s_constant(1, 24, pct);
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    cfg.n_pms = 4;
    cfg.policy = "npa";
    xgc_sim_result_t r;
    char err[256];
    CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == 0);
    CHECK_NEAR(r.energy_kwh * 1000, 2 * (117 + 135) * 2.0, 1e-6);   /* 2 h */
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
}

XGC_TEST(slatah_of_a_known_overload)
{
    /* Two 2000-MIPS VMs on a G4 (2 cores of 1860): 50 % each is fine; at
     * 95 % (steps 4, 5, 6) each asks 1900 > a core: 15 of 60 minutes in
     * violation. A G5 alone with a third VM never is. */
    int steps = 12;
    float cpu[3 * 12];
    for (int k = 0; k < steps; k++) {
        cpu[k] = cpu[steps + k] = (k >= 4 && k <= 6) ? 95 : 50;
        cpu[2 * steps + k] = 10;
    }
    xgc_trace_t *t = xgc_trace_new(3, steps, 300, cpu);
    for (int v = 0; v < 3; v++)
        t->vms[v].mips = 2000;
    int place[] = {0, 0, 1};
    script_t s = {place, -1, 0, 0, 0};
    xgc_sim_result_t r;
    CHECK(s_run(t, &s, 2, &r, NULL) == 0);
    CHECK_NEAR(r.slatah, 900.0 / 7200, 1e-12);       /* 900 s of 2 PM-hours */
    CHECK_NEAR(r.slatah_mean, (0.25 + 0) / 2, 1e-12);
    CHECK_NEAR(r.pdm, 0, 0);                          /* capping is not migration */
    CHECK(r.overloaded[3] == 0 && r.overloaded[4] == 1 && r.overloaded[6] == 1
          && r.overloaded[7] == 0);
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
}

static double s_mig_start = -1, s_mig_end = -1;
static void s_on_migration(void *arg, int vm, int from, int to, double start, double end)
{
    (void)arg, (void)vm, (void)from, (void)to;
    s_mig_start = start;
    s_mig_end = end;
}

/* VM0 (2500 MIPS, 870 MB) and VM1 (2000 MIPS, 1740 MB), 40 %, 20 min. */
static xgc_trace_t *s_two_vms(void)
{
    float pct[] = {40, 40};
    xgc_trace_t *t = s_constant(2, 4, pct);
    t->vms[1].mips = 2000;
    t->vms[1].ram_mb = 1740;
    return t;
}

/* Both VMs on PM1 (G5); at step 2 VM1 moves to PM3 (G5, asleep), then,
 * if again > 0, to PM again in the same round. */
static int s_run_vm1_move(int cloudsim, int again, const xgc_sim_observer_t *obs,
                          xgc_sim_result_t *r)
{
    xgc_trace_t *t = s_two_vms();
    int place[] = {1, 1};
    script_t s = {place, 2, 1, 3, again};
    int rc = s_run_mode(t, &s, 4, cloudsim, r, obs);
    xgc_trace_destroy(&t);
    return rc;
}

XGC_TEST(migration_cost_by_hand)
{
    /* VM0 (2500 MIPS, 870 MB) and VM1 (2000 MIPS, 1740 MB) at 40 % on a G5
     * (PM1); at step 2 VM1 moves to PM3 (G5, asleep). 1740 MB over half of
     * 1 Gbit/s: 1740 * 8 / 500 = 27.84 s, during which VM1 gets 90 % of its
     * 800 MIPS: 0.1 * 800 * 27.84 = 2227.2 MIPS.s lost. */
    xgc_sim_observer_t obs = {NULL, NULL, s_on_migration};
    xgc_sim_result_t r;
    CHECK(s_run_vm1_move(0, 0, &obs, &r) == 0);
    CHECK(r.migrations == 1);
    CHECK_NEAR(s_mig_start, 600, 0);
    CHECK_NEAR(s_mig_end - s_mig_start, 27.84, 1e-9);
    double requested = (1000 + 800) * 1200.0;          /* MIPS.s over 20 min */
    CHECK_NEAR(r.pdm, 2227.2 / requested, 1e-12);
    CHECK_NEAR(r.pdm_mean, (0 + 2227.2 / (800 * 1200.0)) / 2, 1e-12);
    /* Energy: PM1 at 1800/5320 for 600 s and during the copy (the source
     * keeps the VM's CPU busy), then 1000/5320; PM3 at 10 % of 800 MIPS
     * during the copy, then 800/5320 until the end. */
    double copy = 27.84, after = 600 - copy;
    double p1_full = xgc_power_at(&xgc_power_g5, 1800.0 / 5320);
    double p1_alone = xgc_power_at(&xgc_power_g5, 1000.0 / 5320);
    double p3_copy = xgc_power_at(&xgc_power_g5, 80.0 / 5320);
    double p3_vm = xgc_power_at(&xgc_power_g5, 800.0 / 5320);
    double joules = p1_full * (600 + copy) + p1_alone * after + p3_copy * copy + p3_vm * after;
    CHECK_NEAR(r.energy_kwh, joules / 3.6e6, 1e-9);
    CHECK(r.wakes == 1 && r.active[2] == 2 && r.active[1] == 1);
    xgc_sim_result_free(&r);
}

XGC_TEST(cloudsim_destination_accounting)
{
    /* Same move in CloudSim-2011 mode: the destination books VM1's whole
     * demand as requested while allocating 10 %: it is "in violation" for
     * the 27.84 s of the copy. CloudSim's updates run from step 1 to the
     * last step's copies (none here): steps 1 and 2 count, PM1 600 s and
     * PM3 300 s active. */
    xgc_sim_result_t r;
    CHECK(s_run_vm1_move(1, 0, NULL, &r) == 0);
    CHECK_NEAR(r.slatah, 27.84 / (600 + 300), 1e-12);
    CHECK_NEAR(r.active_pm_hours, 900 / 3600.0, 1e-12);
    xgc_sim_result_free(&r);
}

static int s_last_pm_of_vm1 = -1;
static void s_on_interval(void *arg, int step, double t, const int *vm_pm, int n_vms)
{
    (void)arg, (void)step, (void)t, (void)n_vms;
    s_last_pm_of_vm1 = vm_pm[1];
}

XGC_TEST(cloudsim_second_move_in_a_round)
{
    /* CloudSim runs every entry of its migration map: a VM listed twice in
     * a round (placed on PM3 for an overloaded PM, then moved on from PM3
     * when PM3 is emptied as underloaded) is copied to both and ends on
     * the second, PM2. Two migrations; PM3 books the VM for the copy
     * (27.84 s active and in violation), PM2 too, then runs it; the VM
     * loses 10 % of its CPU once (steps 1 and 2 count, as above). Outside
     * CloudSim-2011 mode the second move is refused. */
    xgc_sim_observer_t obs = {NULL, s_on_interval, NULL};
    xgc_sim_result_t r;
    CHECK(s_run_vm1_move(1, 2, &obs, &r) == 0);
    CHECK(r.migrations == 2 && r.migrations_rejected == 0);
    CHECK(s_last_pm_of_vm1 == 2);
    CHECK_NEAR(r.slatah, 2 * 27.84 / (600 + 27.84 + 300), 1e-12);
    CHECK_NEAR(r.pdm, 0.1 * 800 * 27.84 / ((1000 + 800) * 600.0), 1e-12);
    xgc_sim_result_free(&r);
    CHECK(s_run_vm1_move(0, 2, &obs, &r) == 0);
    CHECK(r.migrations == 1 && r.migrations_rejected == 1);
    CHECK(s_last_pm_of_vm1 == 3);
    xgc_sim_result_free(&r);
}

XGC_TEST(bad_setup_is_refused)
{
    float pct[] = {10};
    xgc_trace_t *t = s_constant(1, 2, pct);
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    xgc_sim_result_t r;
    char err[256];
    cfg.policy = "thr-mmt-1.5";
    CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == -1 && err[0]);
    cfg.policy = "lr-mmt-x";
    CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == -1);
    cfg.policy = "xgc:target=2";
    CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == -1);
    cfg.policy = "dvfs";
    cfg.n_pms = 0;
    CHECK(xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err) == -1);
    xgc_trace_destroy(&t);
}

int main(void)
{
    XGC_TEST_RUN(energy_of_constant_loads);
    XGC_TEST_RUN(cloudsim_timeline);
    XGC_TEST_RUN(npa_is_every_pm_at_full_power);
    XGC_TEST_RUN(slatah_of_a_known_overload);
    XGC_TEST_RUN(migration_cost_by_hand);
    XGC_TEST_RUN(cloudsim_destination_accounting);
    XGC_TEST_RUN(cloudsim_second_move_in_a_round);
    XGC_TEST_RUN(bad_setup_is_refused);
    return XGC_TEST_END();
}
