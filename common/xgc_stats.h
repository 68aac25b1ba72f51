/* xgc_stats — order statistics over arrays of doubles.
 *
 * Medians and quantiles are needed by the demand estimator, the simulator,
 * the soak report, `xgc eval --repeat` and the bus benchmark; one sort and
 * one interpolation rule serve them all. Pure: no I/O, no globals. */
#ifndef XGC_STATS_H
#define XGC_STATS_H

#include <stddef.h>

/* Sorts v[0..n) ascending in place. */
void xgc_stats_sort(double *v, size_t n);

/* The q-quantile (0 <= q <= 1) of v[0..n), linear between order statistics;
 * sorts v in place. 0 for n == 0. */
double xgc_stats_quantile(double *v, size_t n, double q);

/* The median of v[0..n): the middle value, or the mean of the two middle
 * ones; sorts v in place. 0 for n == 0. */
double xgc_stats_median(double *v, size_t n);

#endif
