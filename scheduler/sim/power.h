/* power.h — PM power models of the simulator: SPECpower tables (watts at
 * 0, 10, ..., 100 % CPU) with linear interpolation, as in BENCHMARKS.md §2
 * and CloudSim's PowerModelSpecPower. */
#ifndef XGC_SIM_POWER_H
#define XGC_SIM_POWER_H

typedef struct {
    const char *name;
    int    cores;
    double core_mips;
    int    ram_mb;
    double watts[11];
} xgc_sim_power_t;

/* HP ProLiant ML110 G4 (2 x 1860 MIPS) and G5 (2 x 2660 MIPS), 4 GB each. */
extern const xgc_sim_power_t xgc_power_g4;
extern const xgc_sim_power_t xgc_power_g5;

/* Watts at utilisation u (fraction of all cores; clamped to [0, 1]). */
double xgc_power_at(const xgc_sim_power_t *model, double u);

#endif
