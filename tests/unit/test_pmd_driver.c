/* Registry and unit conversions of the driver interface. */
#include <unistd.h>

#include "xgc_test.h"
#include "pmd/driver.h"

XGC_TEST(cap_units)
{
    CHECK(xgc_driver_cap_pct(0, 2000) == 0);
    CHECK(xgc_driver_cap_pct(1000, 2000) == 50);
    CHECK(xgc_driver_cap_pct(1001, 2000) == 51);   /* rounded up */
    CHECK(xgc_driver_cap_pct(4000, 2000) == 200);
    CHECK(xgc_driver_cap_pct(1, 2000) == 1);
    CHECK(xgc_driver_cap_pct_vcpus(2600, 2599.999, 1) == 100);   /* not 101: Xen refuses */
    CHECK(xgc_driver_cap_pct_vcpus(2600, 2599.999, 2) == 101);
    CHECK(xgc_driver_cap_pct_vcpus(9000, 2000, 0) == 450);       /* vCPUs unknown */
    CHECK(xgc_driver_cap_pct_vcpus(0, 2000, 1) == 0);
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

XGC_TEST(xl_refuses_cleanly_without_xen)
{
    char err[300];
    xgc_driver_env_t env = { .host = "h", .state_dir = "/tmp" };
    CHECK(xgc_driver_find("xl") != NULL && xgc_driver_find("sim") != NULL);
    /* bad options are refused before libxl is touched */
    char text[] = "listen: tcp://0.0.0.0:7411\nbogus: 1\n";
    xgc_yaml_node_t *opts = xgc_yaml_load_string(text, strlen(text), "o", err, sizeof err);
    CHECK(xgc_driver_new("xl", opts, &env, err, sizeof err) == NULL);
    CHECK(strstr(err, "'bogus'"));
    xgc_yaml_destroy(&opts);
    /* this machine is not dom0: a clear reason, no crash */
    if (access("/proc/xen/capabilities", F_OK) != 0) {
        CHECK(xgc_driver_new("xl", NULL, &env, err, sizeof err) == NULL);
        CHECK(strstr(err, "libxenlight"));
    }
}

int main(void)
{
    XGC_TEST_RUN(cap_units);
    XGC_TEST_RUN(unknown_driver);
    XGC_TEST_RUN(xl_refuses_cleanly_without_xen);
    return XGC_TEST_END();
}
