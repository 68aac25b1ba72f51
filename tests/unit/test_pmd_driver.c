/* Registry and unit conversions of the driver interface. */
#include "xgc_test.h"
#include "pmd/driver.h"

XGC_TEST(cap_units)
{
    CHECK(xgc_driver_cap_pct(0, 2000) == 0);
    CHECK(xgc_driver_cap_pct(1000, 2000) == 50);
    CHECK(xgc_driver_cap_pct(1001, 2000) == 51);   /* rounded up */
    CHECK(xgc_driver_cap_pct(4000, 2000) == 200);
    CHECK(xgc_driver_cap_pct(1, 2000) == 1);
    CHECK_NEAR(xgc_driver_cap_mhz(50, 2000), 1000, 1e-9);
    CHECK_NEAR(xgc_driver_cap_mhz(0, 2000), 0, 1e-9);
}

XGC_TEST(unknown_driver)
{
    char err[200];
    CHECK(xgc_driver_find("nope") == NULL);
    CHECK(xgc_driver_new("nope", NULL, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "unknown driver 'nope'") != NULL);
}

int main(void)
{
    XGC_TEST_RUN(cap_units);
    XGC_TEST_RUN(unknown_driver);
    return XGC_TEST_END();
}
