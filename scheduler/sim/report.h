/* report.h — xgc sim's outputs: the JSON summary and the --out folder
 * (per-interval CSV, placement log, migrations, gnuplot plots). This is the
 * I/O side; the engine (sim.c) stays pure and reports through observers. */
#ifndef XGC_SIM_REPORT_H
#define XGC_SIM_REPORT_H

#include <stdio.h>

#include "scheduler/sim/sim.h"

typedef struct _xgc_sim_report_t xgc_sim_report_t;

/* One JSON object: the ratio-of-sums metrics under energy_kwh, slatah, pdm,
 * slav, esv, migrations; the means under *_mean; and the rest. */
void xgc_sim_report_json(FILE *out, const xgc_sim_config_t *cfg, const xgc_sim_result_t *r,
                         const char *source, double runtime_s);

/* The same object's fields without the braces (xgc sim's day rows add a
 * "day" field in front). */
void xgc_sim_report_json_fields(FILE *out, const xgc_sim_config_t *cfg,
                                const xgc_sim_result_t *r, const char *source, double runtime_s);

/* Creates dir (if needed) and opens the placement log; NULL + err. */
xgc_sim_report_t *xgc_sim_report_open(const char *dir, const xgc_trace_t *trace,
                                      const xgc_sim_config_t *cfg, char *err, size_t err_len);

/* Observer writing placement.csv and migrations.csv during the run. */
xgc_sim_observer_t xgc_sim_report_observer(xgc_sim_report_t *self);

/* Writes intervals.csv, summary.json, plot.gp and the plots (gnuplot; a
 * missing gnuplot is a warning in err, return 1); closes. 0 ok, -1 error. */
int xgc_sim_report_close(xgc_sim_report_t **self_p, const xgc_sim_result_t *r,
                         const char *source, double runtime_s, char *err, size_t err_len);

/* Frees without writing the summary (the run failed). */
void xgc_sim_report_destroy(xgc_sim_report_t **self_p);

#endif
