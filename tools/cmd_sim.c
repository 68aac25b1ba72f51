/* xgc sim — replays CPU traces through the simulated data centre. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/sim/sim.h"
#include "tools/xgc_cmd.h"

XGC_COMMAND(sim, "replay CPU traces in virtual time (energy, SLA, migrations)")
{
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--planetlab") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--policy") && i + 1 < argc) cfg.policy = argv[++i];
        else if (!strcmp(argv[i], "--cloudsim-2011")) cfg.cloudsim_2011 = 1;
        else if (!strcmp(argv[i], "--full-workload")) cfg.full_workload = 1;
    }
    char err[512], warn[4096];
    xgc_trace_t *t = xgc_trace_load_planetlab(dir, err, sizeof err, warn, sizeof warn);
    if (!t) { fprintf(stderr, "xgc sim: %s\n", err); return 2; }
    xgc_sim_result_t r;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (xgc_sim_run(t, &cfg, NULL, &r, err, sizeof err)) { fprintf(stderr, "xgc sim: %s\n", err); return 2; }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%s energy %.2f kWh slatah %.4f%% pdm %.4f%% slav %.3fe-5 mig %ld removed %d unplaced %d sleeps %ld t=%.2fs\n",
           cfg.policy, r.energy_kwh, r.slatah*100, r.pdm*100, r.slav*1e5, r.migrations, r.vms_removed, r.vms_unplaced, r.sleeps,
           (b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9);
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
    return 0;
}
