/* xgc_stats — order statistics over arrays of doubles (see xgc_stats.h). */
#include <math.h>
#include <stdlib.h>

#include "xgc_stats.h"

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void xgc_stats_sort(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, s_cmp_double);
}

double xgc_stats_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    xgc_stats_sort(v, n);
    q = q < 0 ? 0 : q > 1 ? 1 : q;       /* never index outside v */
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

double xgc_stats_median(double *v, size_t n)
{
    return xgc_stats_quantile(v, n, 0.5);
}
