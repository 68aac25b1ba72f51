/* Unit tests of common/xgc_stats: sorting, medians, quantiles. */
#include "xgc_stats.h"
#include "xgc_test.h"

XGC_TEST(median_odd_even_empty)
{
    double v[] = {5, 1, 3};
    CHECK_NEAR(xgc_stats_median(v, 3), 3, 1e-12);
    CHECK(v[0] == 1 && v[1] == 3 && v[2] == 5);          /* sorted in place */
    double w[] = {4, 1, 3, 2};
    CHECK_NEAR(xgc_stats_median(w, 4), 2.5, 1e-12);
    CHECK(xgc_stats_median(NULL, 0) == 0);
    double one[] = {-7};
    CHECK_NEAR(xgc_stats_median(one, 1), -7, 1e-12);
}

XGC_TEST(quantile_interpolates_between_order_statistics)
{
    double v[] = {40, 10, 30, 20, 50};
    CHECK_NEAR(xgc_stats_quantile(v, 5, 0), 10, 1e-12);
    CHECK_NEAR(xgc_stats_quantile(v, 5, 1), 50, 1e-12);
    CHECK_NEAR(xgc_stats_quantile(v, 5, 0.9), 46, 1e-12);   /* 40 + 0.6 * 10 */
    CHECK_NEAR(xgc_stats_quantile(v, 5, 0.125), 15, 1e-12); /* 10 + 0.5 * 10 */
    CHECK_NEAR(xgc_stats_quantile(v, 5, 2), 50, 1e-12);     /* clamped */
    CHECK_NEAR(xgc_stats_quantile(v, 5, -1), 10, 1e-12);
}

XGC_TEST(sort_orders_ties_and_negatives)
{
    double v[] = {2, -1, 2, 0, -3.5};
    xgc_stats_sort(v, 5);
    for (int i = 1; i < 5; i++)
        CHECK(v[i - 1] <= v[i]);
    CHECK(v[0] == -3.5 && v[4] == 2);
    xgc_stats_sort(NULL, 0);
}

int main(void)
{
    XGC_TEST_RUN(median_odd_even_empty);
    XGC_TEST_RUN(quantile_interpolates_between_order_statistics);
    XGC_TEST_RUN(sort_orders_ties_and_negatives);
    return XGC_TEST_END();
}
