/* test_policy_demand.c — the demand envelope: prior during warm-up, the
 * quantile/EWMA/last maximum, headroom, ring wrap-around, bad samples. */
#include "scheduler/policy/demand.h"
#include "xgc_test.h"

XGC_TEST(prior_during_warmup)
{
    xgc_demand_t *d = xgc_demand_new(NULL);
    CHECK(d);
    CHECK_NEAR(xgc_demand_estimate(d, 100), 100, 1e-12);
    xgc_demand_observe(d, 10);
    xgc_demand_observe(d, 10);
    CHECK_NEAR(xgc_demand_estimate(d, 100), 100, 1e-12);
    xgc_demand_observe(d, 10);
    CHECK_NEAR(xgc_demand_estimate(d, 100), 11, 1e-9);
    xgc_demand_destroy(&d);
    CHECK(d == NULL);
}

XGC_TEST(envelope_is_max_of_quantile_ewma_last)
{
    xgc_demand_params_t p;
    xgc_demand_params_default(&p);
    p.window = 5;
    p.quantile = 1.0;
    p.headroom = 0;
    p.warmup = 0;
    xgc_demand_t *d = xgc_demand_new(&p);
    double s[] = {50, 10, 10, 10, 10, 10};
    for (int i = 0; i < 5; i++)
        xgc_demand_observe(d, s[i]);
    CHECK_NEAR(xgc_demand_envelope(d), 50, 1e-12);   /* quantile 1 = max */
    xgc_demand_observe(d, s[5]);                      /* 50 leaves the ring */
    double ewma = 50;
    for (int i = 1; i < 6; i++)
        ewma = 0.3 * s[i] + 0.7 * ewma;
    CHECK_NEAR(xgc_demand_envelope(d), ewma, 1e-9);  /* EWMA still remembers */
    xgc_demand_observe(d, 80);
    CHECK_NEAR(xgc_demand_envelope(d), 80, 1e-12);   /* a step up counts at once */
    CHECK_NEAR(xgc_demand_last(d), 80, 0);
    CHECK(xgc_demand_count(d) == 7);
    xgc_demand_destroy(&d);
}

XGC_TEST(quantile_interpolates)
{
    xgc_demand_params_t p;
    xgc_demand_params_default(&p);
    p.window = 11;
    p.quantile = 0.9;
    p.alpha = 1e-9;        /* EWMA stays at the first sample */
    p.headroom = 0.5;
    p.warmup = 0;
    xgc_demand_t *d = xgc_demand_new(&p);
    for (int i = 10; i >= 0; i--)     /* 10, 9, ..., 0: last = 0 */
        xgc_demand_observe(d, i);
    CHECK_NEAR(xgc_demand_envelope(d), 10, 1e-6);     /* EWMA ~ 10 */
    xgc_demand_reset(d);
    for (int i = 0; i <= 10; i++)
        xgc_demand_observe(d, i % 2 ? 0 : 0.0 + i);   /* 0,0,2,0,4,...,10 */
    /* sorted: 0 x5, 2,4,6,8,10 ; pos 9 -> 8 ; last 10 wins */
    CHECK_NEAR(xgc_demand_envelope(d), 10, 1e-9);
    CHECK_NEAR(xgc_demand_estimate(d, 0), 15, 1e-9);
    xgc_demand_destroy(&d);
}

XGC_TEST(level_and_spread)
{
    xgc_demand_params_t p;
    xgc_demand_params_default(&p);
    p.window = 3;                       /* error weight beta = 2 / (3 + 1) = 0.5 */
    p.alpha = 0.5;
    xgc_demand_t *d = xgc_demand_new(&p);
    CHECK_NEAR(xgc_demand_spread(d), 0, 0);
    xgc_demand_observe(d, 10);          /* level 10 */
    CHECK_NEAR(xgc_demand_spread(d), 0, 0);
    xgc_demand_observe(d, 20);          /* error 10: err2 = 100; level 15 */
    CHECK_NEAR(xgc_demand_mean(d), 15, 1e-12);
    CHECK_NEAR(xgc_demand_spread(d), 10, 1e-12);
    xgc_demand_observe(d, 15);          /* error 0: err2 = 50; level 15 */
    CHECK_NEAR(xgc_demand_spread(d), sqrt(50), 1e-12);
    CHECK_NEAR(xgc_demand_mean(d), 15, 1e-12);
    xgc_demand_destroy(&d);
}

XGC_TEST(bad_input)
{
    xgc_demand_params_t p;
    xgc_demand_params_default(&p);
    p.window = 0;
    const char *why = NULL;
    CHECK(xgc_demand_params_check(&p, &why) == -1 && why);
    CHECK(xgc_demand_new(&p) == NULL);
    xgc_demand_t *d = xgc_demand_new(NULL);
    xgc_demand_observe(d, -1);
    xgc_demand_observe(d, NAN);
    CHECK(xgc_demand_count(d) == 0);
    xgc_demand_destroy(&d);
    xgc_demand_destroy(&d);
}

int main(void)
{
    XGC_TEST_RUN(prior_during_warmup);
    XGC_TEST_RUN(envelope_is_max_of_quantile_ewma_last);
    XGC_TEST_RUN(quantile_interpolates);
    XGC_TEST_RUN(level_and_spread);
    XGC_TEST_RUN(bad_input);
    return XGC_TEST_END();
}
